// browser-entry.mjs — the suite in a page: bundled by esbuild into
// build/bench/web/bench.js next to both normscope builds and tfjs's .wasm.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { NormScope } from '../../web/src/engine.js';
import { runSuite } from './suite.mjs';

window.runBench = async (options = {}) => {
  setWasmPaths(new URL('./tfjs/', location.href).href);
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await NormScope.load({ wasmUrl: new URL('./normscope.wasm', location.href).href });
  const scalar = await NormScope.load({ wasmUrl: new URL('./normscope-scalar.wasm', location.href).href });
  const log = (m) => console.log(m);
  return runSuite({ simd, scalar, tf, where: navigator.userAgent.match(/(HeadlessChrome|Chrome)\/[\d.]+/)?.[0] ?? 'browser', log, ...options });
};
