/**
 * `hubfleet completion bash|zsh|fish`: a shell completion script made from the program's own
 * commands and options, so it cannot fall behind them.
 */
import type { Command, Option } from "commander";
import { UsageError } from "../errors.js";
import type { Io } from "./io.js";

const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = (typeof SHELLS)[number];

/** What a script needs to know of one command: its names, subcommands and visible options. */
interface CommandInfo {
  readonly names: readonly string[];
  readonly description: string;
  readonly subcommands: readonly string[];
  readonly options: readonly Option[];
}

export function completionCommand(program: Command, io: Io): void {
  program
    .command("completion")
    .description("print a shell completion script (bash, zsh or fish)")
    .argument("<shell>", SHELLS.join(", "))
    .addHelpText(
      "after",
      "\nLoad it in the current shell:\n  bash: source <(hubfleet completion bash)\n" +
        "  zsh:  source <(hubfleet completion zsh)\n  fish: hubfleet completion fish | source\n",
    )
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new UsageError(
          `no completion for shell "${shell}"`,
          `use one of ${SHELLS.join(", ")}`,
        );
      }
      io.out(completionScript(program, shell as Shell));
    });
}

export function commandInfo(program: Command): CommandInfo[] {
  return program.commands.map((c) => ({
    names: [c.name(), ...c.aliases()],
    description: c.description(),
    // completion's argument is a word from a fixed list: offer it as a subcommand would be.
    subcommands: c.name() === "completion" ? [...SHELLS] : c.commands.map((s) => s.name()),
    options: [c, ...c.commands].flatMap((x) => visibleOptions(x)),
  }));
}

function visibleOptions(command: Command): Option[] {
  // `hidden` is how commander marks options left out of help (render's old -o).
  return command.options.filter((o) => !(o as Option & { hidden?: boolean }).hidden);
}

export function completionScript(program: Command, shell: Shell): string {
  const commands = commandInfo(program);
  if (shell === "bash") return bashScript(program.name(), commands);
  if (shell === "zsh") return zshScript(program.name(), commands);
  return fishScript(program.name(), commands);
}

const flags = (o: Option) => [o.long, o.short].filter((f): f is string => f !== undefined);
const takesValue = (o: Option) => o.required || o.optional;

function bashScript(name: string, commands: readonly CommandInfo[]): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const cases = commands
    .map((c) => {
      const words = [...c.subcommands, ...c.options.flatMap(flags), "--help"].join(" ");
      return `    ${c.names.join("|")}) words="${words}" ;;`;
    })
    .join("\n");
  return `# bash completion for ${name}; load with: source <(${name} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${commands.flatMap((c) => c.names).join(" ")} --help --version" -- "$cur") )
    return
  fi
  local words=""
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* || ( $COMP_CWORD -eq 2 && -n "$words" && "$words" != -* ) ]]; then
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  fi
  if [[ \${#COMPREPLY[@]} -eq 0 && "$cur" != -* ]]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F ${fn} ${name}
`;
}

/** Text safe inside a zsh `_arguments` spec or `_describe` entry. */
const zshText = (text: string) => text.replace(/[[\]:'\\]/g, " ");

function zshScript(name: string, commands: readonly CommandInfo[]): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const described = commands
    .flatMap((c) => c.names.map((n) => `    '${n}:${zshText(c.description)}'`))
    .join("\n");
  const cases = commands
    .map((c) => {
      const specs = c.options.flatMap((o) =>
        flags(o).map(
          (f) =>
            `'${f}[${zshText(o.description)}]${takesValue(o) ? `:${zshText(o.flags.split(/[<[]/)[1]?.replace(/[>\]]/g, "") ?? "value")}:_files` : ""}'`,
        ),
      );
      const subs = c.subcommands.length > 0 ? ` '1:subcommand:(${c.subcommands.join(" ")})'` : "";
      return `    ${c.names.join("|")}) _arguments${subs} ${[...specs, "'*:file:_files'"].join(" ")} ;;`;
    })
    .join("\n");
  return `#compdef ${name}
# zsh completion for ${name}; load with: source <(${name} completion zsh)
${fn}() {
  local -a commands
  commands=(
${described}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  shift words
  (( CURRENT-- ))
  case "$words[1]" in
${cases}
  esac
}
compdef ${fn} ${name}
`;
}

/** Text safe inside single quotes in fish. */
const fishText = (text: string) => text.replace(/\\/g, "\\\\").replace(/'/g, "\\'");

function fishScript(name: string, commands: readonly CommandInfo[]): string {
  const lines = [
    `# fish completion for ${name}; load with: ${name} completion fish | source`,
    `complete -c ${name} -f -n __fish_use_subcommand -l help -d 'show help'`,
    `complete -c ${name} -f -n __fish_use_subcommand -l version -d 'show the version'`,
  ];
  for (const c of commands) {
    for (const n of c.names) {
      lines.push(
        `complete -c ${name} -f -n __fish_use_subcommand -a ${n} -d '${fishText(c.description)}'`,
      );
    }
    const seen = `'__fish_seen_subcommand_from ${c.names.join(" ")}'`;
    for (const s of c.subcommands) lines.push(`complete -c ${name} -f -n ${seen} -a ${s}`);
    for (const o of c.options) {
      const long = o.long ? ` -l ${o.long.replace(/^--/, "")}` : "";
      const short = o.short ? ` -s ${o.short.replace(/^-/, "")}` : "";
      lines.push(
        `complete -c ${name} -n ${seen}${long}${short}${takesValue(o) ? " -r" : ""} -d '${fishText(o.description)}'`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
