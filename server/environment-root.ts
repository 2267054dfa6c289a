/**
 * Where an environment starts (SPEC 4.1 "Environments do not nest"): the outermost folder among a
 * folder and its ancestors that holds an `environment.json` file. An `environment.json` further
 * down is an ordinary file of the outer environment; it makes no environment and no admin.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The outermost folder among `real` and its ancestors that holds an `environment.json` file.
 * @param real an absolute, real (link-free) folder path
 * @returns that folder, or `undefined` when neither `real` nor an ancestor holds one. Never throws.
 */
export function outermostEnvironment(real: string): string | undefined {
  let found: string | undefined;
  for (let p = real; ;) {
    try {
      if (fs.statSync(path.join(p, 'environment.json')).isFile()) found = p;
    } catch {
      /* none here */
    }
    const parent = path.dirname(p);
    if (parent === p) return found;
    p = parent;
  }
}
