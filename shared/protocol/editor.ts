/**
 * Extensions of SPEC 4 for the editor as people use it (issue 13; docs/DECISIONS.md "Protocol
 * extensions for finding files, searching and managing access"). Every answer is decided by the
 * same access decision as `protectedModules/readDirectory` / `readFile` (SPEC 4, 4.1): a file that
 * the user could not read through those requests is neither listed nor searched.
 */
import type { AccessLevel } from '../access/levels';

/** Params of `protectedModules/listFiles`: `uri` a `modules://<environment>/…` folder to list
 *  below (default: the root of every environment). */
export interface ListFilesParams {
  uri?: string;
}

/** One readable file. */
export interface ListedFile {
  /** The environment's folder name (the `modules://` authority). */
  environment: string;
  /** The path below the environment folder, `/`-separated, no leading slash. */
  path: string;
  /** `modules://<environment>/<path>`. */
  uri: string;
  /** True when the user may read but not change it (below `change`, or an interface file). */
  readonly: boolean;
}

/** Result of `protectedModules/listFiles`: files sorted by path; `truncated` when the walk
 *  stopped at {@link MAX_LISTED_FILES}. */
export interface ListFilesResult {
  files: ListedFile[];
  truncated: boolean;
}

/** The most files `listFiles` answers (and `findInFiles` searches). */
export const MAX_LISTED_FILES = 5000;

/** Params of `protectedModules/findInFiles`. */
export interface FindInFilesParams {
  /** The text (or regular expression source) to find; 1–500 characters. */
  query: string;
  isRegExp?: boolean;
  isCaseSensitive?: boolean;
  /** Stop after this many matches (default and maximum 1000). */
  maxResults?: number;
  /** Only files whose path contains this text (case-insensitive). */
  include?: string;
}

/** One match: positions are LSP's (0-based line, 0-based UTF-16 character). */
export interface FindMatch {
  environment: string;
  path: string;
  uri: string;
  line: number;
  character: number;
  /** Length of the match on its line (UTF-16 code units). */
  length: number;
  /** The matched line, trimmed to at most 200 characters around the match. */
  preview: string;
  /** Where the match starts in `preview`. */
  previewCharacter: number;
}

export interface FindInFilesResult {
  matches: FindMatch[];
  /** Number of readable files searched. */
  filesSearched: number;
  truncated: boolean;
}

/** Params of `protectedModules/accessOverview`: needs `full` on the module (like `grantAccess`). */
export interface AccessOverviewParams {
  module: string;
}

/** Result of `protectedModules/accessOverview`: what **Manage Access…** shows. */
export interface AccessOverviewResult {
  module: string;
  protected: boolean;
  owner: string;
  /** The environment's `defaultAccess` (what known users have on unprotected modules). */
  defaultAccess: AccessLevel;
  /** The grants that apply to this module (`module` is its name or `*`), in file order. */
  grants: { module: string; to: string; access: AccessLevel }[];
  /** Every known user with their effective access to the module (SPEC 2.3) and why. */
  users: { id: string; displayName?: string; groups: string[]; admin: boolean; access: AccessLevel; reason: string }[];
  /** Every group named by a user, sorted. */
  groups: string[];
}

/** Method names of these extensions. */
export const EditorMethods = {
  listFiles: 'protectedModules/listFiles',
  findInFiles: 'protectedModules/findInFiles',
  accessOverview: 'protectedModules/accessOverview',
} as const;

/** Params/result of each, keyed by method name (merged into `RequestTypes`). */
export interface EditorRequestTypes {
  [EditorMethods.listFiles]: { params: ListFilesParams; result: ListFilesResult };
  [EditorMethods.findInFiles]: { params: FindInFilesParams; result: FindInFilesResult };
  [EditorMethods.accessOverview]: { params: AccessOverviewParams; result: AccessOverviewResult };
}
