// node.mjs — the suite in Node 20 (one process, one run).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { NormScope } from '../../web/dist/normscope.js';
import { runSuite } from './suite.mjs';

export async function benchNode(options = {}) {
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await NormScope.load();
  const scalar = await NormScope.load({ wasmUrl: new URL('../../web/dist/normscope-scalar.wasm', import.meta.url) });
  return runSuite({ simd, scalar, tf, where: `node ${process.version}`, log: (m) => console.error(m), ...options });
}
