# Runs the real GitHubOAuthenticator (OAuthenticator, from scripts/hub-build's venv) on a
# hub's rendered values and reports, per GitHub login, what JupyterHub would decide after
# GitHub's OAuth exchange: allowed or not, and admin or not.
#
# GitHub cannot be reached from the tests. Two things stand in for it, and only these:
# - the OAuth code exchange is skipped: each user arrives with an access token, as GitHub's
#   token endpoint would hand it over (authenticate() is replaced by the token-to-user step);
# - GitHub's REST API is a local HTTP server with recorded answers (the test's "GitHub API
#   stand-in"), reached through GitHubOAuthenticator.github_url as a GitHub Enterprise URL.
# Everything after the token — the userdata call, update_auth_model, check_allowed with its
# organization and team membership calls, is_admin, JupyterHub's get_authenticated_user — is
# the installed programs' own code.
#
# usage: python github_checks.py VALUES_JSON GITHUB_STANDIN_URL LOGIN...
import asyncio
import json
import sys

from oauthenticator.github import GitHubOAuthenticator
from traitlets.config import Config


async def main(values_path, github_url, logins):
    with open(values_path) as f:
        values = json.load(f)
    config = Config()
    # hub.config passes through as traitlets configuration, as the chart does.
    for section, settings in values["hub"]["config"].items():
        config[section].update(settings)
    config.GitHubOAuthenticator.github_url = github_url  # the GitHub API stand-in
    authenticator = GitHubOAuthenticator(config=config)

    async def token_from_github(handler, login):
        token = {"access_token": f"gho_{login}", "token_type": "bearer", "scope": "read:org"}
        return await authenticator._token_to_auth_model(token)

    authenticator.authenticate = token_from_github
    results = {}
    for login in logins:
        model = await authenticator.get_authenticated_user(None, login)
        results[login] = (
            {"allowed": False}
            if model is None
            else {"allowed": True, "name": model["name"], "admin": bool(model["admin"])}
        )
    print(json.dumps(results))


asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
