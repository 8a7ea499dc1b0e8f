# Loads a hub's rendered values through the z2jh stand-in (z2jh_config.py) into the real
# KubeSpawner, selects a profile by slug as the spawn form would, and prints the pod KubeSpawner
# would create, as JSON. No cluster is contacted: KubeSpawner's own `_mock` switch gives it a
# placeholder user and hub instead of JupyterHub's, which is all get_pod_manifest reads of them.
#
#   python profile_pod.py VALUES_FILE SLUG     (environment as for z2jh_config.py)
import asyncio
import json
import os
import sys

from kubernetes_asyncio.client import ApiClient
from kubespawner import KubeSpawner
from traitlets.config.loader import PyFileConfigLoader

values_file, slug = sys.argv[1], sys.argv[2]
os.environ["HUBFLEET_Z2JH_VALUES"] = values_file
here = os.path.dirname(os.path.abspath(__file__))
config = PyFileConfigLoader("z2jh_config.py", path=here).load_config()


async def main():
    spawner = KubeSpawner(config=config, _mock=True)
    spawner.user_options = {"profile": slug} if slug else {}
    await spawner.load_user_options()
    pod = await spawner.get_pod_manifest()
    print(json.dumps(ApiClient().sanitize_for_serialization(pod)))


asyncio.run(main())
