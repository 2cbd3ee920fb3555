// index.js — the panels, in the order the page shows them.
import * as depth from './depth.js';
import * as train from './train.js';
import * as gradients from './gradients.js';
import * as histogram from './histogram.js';
import * as vector from './vector.js';
import * as heatmap from './heatmap.js';
import * as rope from './rope.js';
import * as attention from './attention.js';
import * as next from './next.js';
import * as speed from './speed.js';
import * as checks from './checks.js';
import * as lens from './lens.js';
import * as branches from './branches.js';
import * as intervene from './intervene.js';
import * as outliers from './outliers.js';

export const PANEL_LIST = [
  checks, train, depth, intervene, branches, lens, outliers, gradients, histogram, vector, heatmap, rope, attention, next, speed,
];
