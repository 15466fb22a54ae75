import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config.js';

/** What is running: the `build_info` metric, the start log line, the `migrations` records. */
export interface BuildInfo {
  version: string;
  /** The source commit, or `unknown` for a build that was not stamped. */
  revision: string;
  /** The Node.js version running it. */
  node: string;
}

/** Written by scripts/build-info.ts at image build (Dockerfile), beside the compiled code. */
export const BUILD_INFO_FILE = path.join('dist', 'build-info.json');

/**
 * The version and revision stamped at build (dist/build-info.json), else package.json's version
 * and `unknown`: a development build is not stamped, and the hub starts either way.
 */
export function readBuildInfo(root: string = projectRoot()): BuildInfo {
  const pkg = readJson(path.join(root, 'package.json'));
  const stamped = readJson(path.join(root, BUILD_INFO_FILE));
  return {
    version: text(stamped['version']) ?? text(pkg['version']) ?? 'unknown',
    revision: text(stamped['revision']) ?? 'unknown',
    node: process.version,
  };
}

function readJson(file: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 100 ? value : undefined;
}
