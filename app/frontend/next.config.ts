import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The Dockerfile (and ecs-local, which reads it) runs `node server.js` from the standalone output.
  output: "standalone",
  // Pin tracing to this package: otherwise Next sees the repository's root lock file, treats the
  // repository as the workspace root and nests the output under `standalone/app/frontend/`, which
  // would not match the path the Dockerfile copies from.
  outputFileTracingRoot: __dirname,
  // The repository lints with Biome; Next's ESLint step would need an ESLint install we don't keep.
  eslint: { ignoreDuringBuilds: true },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
