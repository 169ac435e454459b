/**
 * The headless runner:
 *   giclab run <scenario.json...> [--json] [--profile kvm|qemu|spec] [--quiet]
 *   giclab replay-qemu <trace.log[.gz]>... [--cmdq F] [--proptable F] [--json]
 * Exit status 1 when an expectation fails or a trace disagrees, 2 when an input cannot be read.
 */

import { runCommand } from './run';

const USAGE = `usage:
  giclab run <scenario.json...> [--json] [--profile kvm|qemu|spec] [--quiet]
  giclab replay-qemu <trace.log[.gz]>... [--cmdq <cmdq.bin[.gz]>] [--proptable <proptable.bin[.gz]>] [--json]`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run':
      return runCommand(rest);
    case 'replay-qemu':
      return (await import('./replay-qemu')).replayCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      console.error(`giclab: unknown command '${cmd}'\n${USAGE}`);
      return 2;
  }
}
