// Types for bin/compiled-entry.mjs (plain JavaScript so it runs without a loader).
export declare const STAMP: string;
export declare const COMPILED_MAIN: string;
export declare function newestSourceMtime(srcDir: string): number;
export declare function compiledIsFresh(root: string): boolean;
export declare function chooseEntry(root: string, env?: NodeJS.ProcessEnv): 'dist' | 'source';
