/** Entry point of the built CLI (dist/cli/mup-lab.js). */
import { main } from './main';

main(process.argv.slice(2)).then(
  // Dawn keeps the event loop alive after the device is destroyed: exit explicitly.
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`mup-lab: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
