/**
 * Constants the package build (scripts/build.ts) writes into dist/ with esbuild's `define`.
 * When the TypeScript sources run through tsx nothing defines them, so code reads them only
 * behind `typeof`, as an if/else: the build then folds the test and drops the other branch,
 * with any `import()` in it (that is how dist/ never loads esbuild).
 */

/** The package version from package.json, in a build; undefined when running the sources. */
declare const ECS_LOCAL_BUILD_VERSION: string | undefined;
