#!/usr/bin/python3
"""Independent float64 numpy reference for normscope.

Written only from the equations in DESIGN.md (sections "Model configuration",
"Sites", "Checkpoints" and the "Decisions" part: forward pass, site table,
probes, JSON).  It does not look at the C code.

    /usr/bin/python3 tests/reference/reference.py selftest

Public functions:
    load_safetensors(path)          -> (tensors {name: float64 array}, metadata {str: str})
    config_from_metadata(meta)      -> config dict (typed, defaults filled in)
    expected_tensor_shapes(config)  -> {name: shape} a checkpoint must contain
    forward(config, tensors, tokens)-> dict with every probed quantity (float64)
    site_stats(values)              -> stats dict as the probes define them
    token_rms(values)               -> [T]
    compare(run_json, ref)          -> list of human-readable mismatch strings
"""

import json
import math
import struct
import sys

import numpy as np

SITES = ("resid_in", "attn_norm", "attn_out", "resid_mid",
         "ffn_norm", "ffn_hidden", "ffn_out", "resid_out")
NORMS = ("attn_norm", "ffn_norm")
STAT_FIELDS = ("mean", "std", "rms", "min", "max", "absmax", "nan", "inf",
               "zero_frac", "hist_lo", "hist_hi")
HIST_BINS = 64
VOCAB = 256

# ---------------------------------------------------------------- tolerances
# A value v from the C build (float32) matches reference r (float64) when
#     |v - r| <= atol + RTOL * |r|
# atol is scaled by a magnitude that belongs to the quantity (the rms of the
# array or site), because float32 rounding error is relative to the size of
# the numbers that were summed, not to the (possibly ~0) result.
RTOL = 1e-4
ATOL_SCALE = 1e-4          # atol = ATOL_SCALE * (typical magnitude of the array)
ATOL_TINY = 1e-12          # floor so that all-zero arrays compare exactly-ish
PROB_ATOL = 2e-5           # attention / next-token probabilities live in [0, 1]
ANGLE_ATOL = 1e-6          # RoPE angles are computed in double, stored as f32
# Histogram counts and zero fractions: float32 vs float64 may move a value
# across a bin edge (or across exactly 0 after relu).  Allowed:
#     sum |count diff| <= HIST_FRAC * n + HIST_SLACK
HIST_FRAC = 0.01
HIST_SLACK = 2
ZERO_FRAC_SLACK = 2        # values; zero_frac * n may differ by this + HIST_FRAC*n
# zero_frac counts exact zeros.  A float32 pipeline may legitimately produce 0
# for a value whose float64 magnitude is tiny (an intermediate underflows, e.g.
# silu(a) = a / (1 + exp(-a)) is 0 in float32 once exp(-a) overflows, a < -88.7,
# and then silu(a) * b is 0 however large b is).  Values with |v| below this
# count as "may be zero": the expected zero count lies in
# [exact zeros, exact zeros + such values] (plus the slack above).
FLOAT32_UNDERFLOW = 1e-30
# SwiGLU: silu(a) underflows float32 for a < ~-100 while the gate w3·x can be
# large, so silu(a)·b may be 0 in float32 though not tiny in float64:
# "may be zero" when a < SILU_F32_OVERFLOW.
SILU_F32_OVERFLOW = -80.0
# When compare() is given a float32 run of the same equations (forward(...,
# dtype=np.float32)), DRIFT_FACTOR times its largest drift from float64 is
# added to each array's atol.  That keeps the check tight where float32 is
# well conditioned and lets it follow float32 where the model itself is
# ill-conditioned (norm none + residual: activations ~1e4, near one-hot
# softmax).  Different summation orders (C loops vs numpy pairwise/BLAS) give
# drifts a few times apart, hence a factor, not 1.
DRIFT_FACTOR = 10.0
MAX_REPORT_PER_ARRAY = 3   # element mismatches reported per array before "... and N more"

# ---------------------------------------------------------------- safetensors

_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8",
           "U8": "u1", "I8": "i1", "I16": "<i2"}


def load_safetensors(path):
    """Parse a safetensors file.  Returns (tensors, metadata).

    tensors: {name: float64 numpy array with the stored shape}
    metadata: the "__metadata__" dict ({} when absent)
    Raises ValueError on any malformed file.
    """
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: shorter than the 8-byte header length" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError("%s: header length %d exceeds file size %d" % (path, n, len(blob)))
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("%s: header is not a JSON object" % path)
    data = memoryview(blob)[8 + n:]
    meta = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        dt = info["dtype"]
        shape = [int(s) for s in info["shape"]]
        b, e = (int(o) for o in info["data_offsets"])
        if dt == "BF16":
            itemsize = 2
        elif dt in _DTYPES:
            itemsize = np.dtype(_DTYPES[dt]).itemsize
        else:
            raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, dt))
        count = int(np.prod(shape)) if shape else 1
        if not (0 <= b <= e <= len(data)) or e - b != count * itemsize:
            raise ValueError("%s: tensor %s offsets [%d,%d) inconsistent with shape %s %s"
                             " and data size %d" % (path, name, b, e, shape, dt, len(data)))
        raw = bytes(data[b:e])
        if dt == "BF16":
            u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_DTYPES[dt])
        tensors[name] = arr.astype(np.float64).reshape(shape)
    return tensors, meta


def save_safetensors(path, tensors, metadata=None):
    """Minimal float32 writer (used by the self test)."""
    header = {}
    chunks = []
    off = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(tensors[name], dtype="<f4"))
        raw = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


# ---------------------------------------------------------------- config

CONFIG_DEFAULTS = {
    "n_layers": 6, "d_model": 64, "n_heads": 4, "d_ff": None, "norm": "layernorm",
    "placement": "pre", "residual": "on", "activation": "gelu", "pos": "rope",
    "rope_theta": 10000.0, "rope_pairing": "interleaved", "norm_eps": 1e-5,
    "init": "normal", "init_std": 0.02, "seed": 1, "max_tokens": 128,
}
INT_FIELDS = ("n_layers", "d_model", "n_heads", "d_ff", "seed", "max_tokens")
FLOAT_FIELDS = ("rope_theta", "norm_eps", "init_std")
STR_FIELDS = ("norm", "placement", "residual", "activation", "pos", "rope_pairing", "init")


def normalize_residual(v):
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, (int, float)):
        return "on" if v else "off"
    s = str(v).strip().lower()
    if s in ("on", "true", "1", "yes"):
        return "on"
    if s in ("off", "false", "0", "no"):
        return "off"
    raise ValueError("residual: %r is not on/off" % (v,))


def config_from_metadata(meta):
    """Typed config from safetensors __metadata__ (values are strings)."""
    cfg = dict(CONFIG_DEFAULTS)
    for k in CONFIG_DEFAULTS:
        if k in meta and meta[k] is not None:
            v = meta[k]
            if k in INT_FIELDS:
                cfg[k] = int(str(v), 0) if isinstance(v, str) else int(v)
            elif k in FLOAT_FIELDS:
                cfg[k] = float(v)
            elif k == "residual":
                cfg[k] = normalize_residual(v)
            else:
                cfg[k] = str(v)
    if cfg["d_ff"] is None:
        cfg["d_ff"] = 4 * cfg["d_model"]
    return cfg


def expected_tensor_shapes(cfg):
    d, f, L = cfg["d_model"], cfg["d_ff"], cfg["n_layers"]
    s = {"tok_embeddings.weight": (VOCAB, d), "output.weight": (VOCAB, d)}
    if cfg["pos"] == "learned":
        s["pos_embeddings.weight"] = (cfg["max_tokens"], d)
    for i in range(L):
        p = "layers.%d." % i
        for w in ("wq", "wk", "wv", "wo"):
            s[p + "attention.%s.weight" % w] = (d, d)
        s[p + "feed_forward.w1.weight"] = (f, d)
        s[p + "feed_forward.w2.weight"] = (d, f)
        if cfg["activation"] == "swiglu":
            s[p + "feed_forward.w3.weight"] = (f, d)
        if cfg["norm"] != "none":
            s[p + "attention_norm.weight"] = (d,)
            s[p + "ffn_norm.weight"] = (d,)
            if cfg["norm"] == "layernorm":
                s[p + "attention_norm.bias"] = (d,)
                s[p + "ffn_norm.bias"] = (d,)
    if cfg["placement"] == "pre" and cfg["norm"] != "none":
        s["norm.weight"] = (d,)
        if cfg["norm"] == "layernorm":
            s["norm.bias"] = (d,)
    return s


# ---------------------------------------------------------------- kernels

def gelu_tanh(x):
    """0.5·x·(1 + tanh(z)), evaluated as the identical x·σ(2z): in float64
    1 + tanh(z) itself cancels to 0 for z < -19 and would invent zeros."""
    z = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
    return x * sigmoid(2.0 * z)


def sigmoid(u):
    u = np.asarray(u)
    e = np.exp(-np.abs(u))  # never overflows
    return np.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x):
    return np.maximum(x, 0.0)


def silu(x):
    return x * sigmoid(x)


def apply_norm(kind, x, gamma=None, beta=None, eps=1e-5):
    """Norm over the last axis.  Returns dict(mean, divisor, input, normalized, output)."""
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64)
    mean = x.mean(axis=-1)
    if kind == "layernorm":
        c = x - mean[..., None]
        var = (c * c).mean(axis=-1)
        div = np.sqrt(var + eps)
        normalized = c / div[..., None]
        out = normalized * (1.0 if gamma is None else gamma) + (0.0 if beta is None else beta)
    elif kind == "rmsnorm":
        div = np.sqrt((x * x).mean(axis=-1) + eps)
        normalized = x / div[..., None]
        out = normalized * (1.0 if gamma is None else gamma)
    elif kind == "none":
        div = np.ones_like(mean)
        normalized = x.copy()
        out = x.copy()
    else:
        raise ValueError("unknown norm %r" % kind)
    return {"mean": mean, "divisor": div, "input": x.copy(), "normalized": normalized, "output": out}


def rope_angles(T, hd, theta):
    i = np.arange(hd // 2, dtype=np.float64)
    inv = theta ** (-2.0 * i / hd)
    return np.arange(T, dtype=np.float64)[:, None] * inv[None, :]      # [T, hd/2]


def rope_pairs(hd, pairing):
    i = np.arange(hd // 2)
    if pairing == "interleaved":
        return 2 * i, 2 * i + 1
    if pairing == "half":
        return i, i + hd // 2
    raise ValueError("unknown rope_pairing %r" % pairing)


def apply_rope(x, angles, pairing):
    """x: [T, H, hd]; angles: [T, hd/2].  (a, b) -> (a cos - b sin, a sin + b cos)."""
    hd = x.shape[-1]
    ia, ib = rope_pairs(hd, pairing)
    c = np.cos(angles)[:, None, :].astype(x.dtype)
    s = np.sin(angles)[:, None, :].astype(x.dtype)
    a = x[..., ia]
    b = x[..., ib]
    y = x.copy()
    y[..., ia] = a * c - b * s
    y[..., ib] = a * s + b * c
    return y


def sinusoidal_pe(T, d):
    pe = np.zeros((T, d))
    t = np.arange(T, dtype=np.float64)
    for j in range(d):
        two_i = j - (j % 2)
        arg = t / (10000.0 ** (two_i / d))
        pe[:, j] = np.sin(arg) if j % 2 == 0 else np.cos(arg)
    return pe


def softmax_rows(s):
    m = np.max(s, axis=-1, keepdims=True)
    e = np.exp(s - m)
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------- forward

def _norm_params(tensors, cfg, prefix):
    if cfg["norm"] == "none":
        return None, None
    g = tensors[prefix + ".weight"]
    b = tensors.get(prefix + ".bias") if cfg["norm"] == "layernorm" else None
    return g, b


def attention(cfg, tensors, i, x, angles):
    T, d = x.shape
    H = cfg["n_heads"]
    hd = d // H
    p = "layers.%d.attention." % i
    q = x @ tensors[p + "wq.weight"].T
    k = x @ tensors[p + "wk.weight"].T
    v = x @ tensors[p + "wv.weight"].T
    qh = q.reshape(T, H, hd)
    kh = k.reshape(T, H, hd)
    vh = v.reshape(T, H, hd)
    if cfg["pos"] == "rope":
        qr = apply_rope(qh, angles, cfg["rope_pairing"])
        kr = apply_rope(kh, angles, cfg["rope_pairing"])
    else:
        qr, kr = qh, kh
    scores = np.einsum("thd,shd->hts", qr, kr) / math.sqrt(hd)       # [H, T, T]
    mask = np.tril(np.ones((T, T), dtype=bool))
    scores = np.where(mask[None], scores, -np.inf)
    P = softmax_rows(scores)
    P = np.where(mask[None], P, 0.0)
    out = np.einsum("hts,shd->thd", P, vh).reshape(T, d)
    attn_out = out @ tensors[p + "wo.weight"].T
    return attn_out, {"probs": P, "q": q, "k": k,
                      "q_rot": qr.reshape(T, d), "k_rot": kr.reshape(T, d)}


def ffn(cfg, tensors, i, x):
    p = "layers.%d.feed_forward." % i
    a = x @ tensors[p + "w1.weight"].T
    act = cfg["activation"]
    if act == "gelu":
        h = gelu_tanh(a)
        maybe_zero = np.zeros(h.shape, dtype=bool)
    elif act == "relu":
        h = relu(a)
        maybe_zero = np.zeros(h.shape, dtype=bool)
    elif act == "swiglu":
        h = silu(a) * (x @ tensors[p + "w3.weight"].T)
        maybe_zero = a < SILU_F32_OVERFLOW
    else:
        raise ValueError("unknown activation %r" % act)
    return h @ tensors[p + "w2.weight"].T, h, maybe_zero


def embed(cfg, tensors, tokens):
    tokens = np.asarray(tokens, dtype=np.int64)
    T = len(tokens)
    x = tensors["tok_embeddings.weight"][tokens].copy()
    if cfg["pos"] == "learned":
        x = x + tensors["pos_embeddings.weight"][:T]
    elif cfg["pos"] == "sinusoidal":
        x = x + sinusoidal_pe(T, cfg["d_model"]).astype(x.dtype)
    return x


def forward(cfg, tensors, tokens, dtype=np.float64, perturb=None):
    """Run the model in float64 and return everything the probes record.

    Returns a dict:
      config, tokens [T]
      layers: list of {
          "sites": {site: [T, width]},
          "norms": {"attn_norm"|"ffn_norm": {mean, divisor [T]; input, normalized, output [T,d]}},
          "attn_probs": [H,T,T], "q","k","q_rot","k_rot": [T,d] }
      final_norm: {mean, divisor, input, normalized, output} (identity record when
                  norm is none under pre; None under post)
      has_final_norm: True under pre with layernorm/rmsnorm
      rope_angle [T, hd/2], logits [T, 256]
    dtype=np.float32 runs the same equations in float32 (a diagnostic: it shows
    how far an honest float32 implementation drifts from the float64 result).
    perturb={(layer, site): delta [T, width]} adds delta to that site's value
    where it is computed, and everything downstream sees the sum (the site
    gradients' finite differences). Under post-norm, attn_norm and resid_mid
    are one value, as are ffn_norm and resid_out.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return _forward(cfg, tensors, tokens, dtype, perturb or {})


def _forward(cfg, tensors, tokens, dtype, perturb):
    tensors = {k: np.asarray(v).astype(dtype) for k, v in tensors.items()}
    tokens = list(tokens)
    T = len(tokens)
    d, H = cfg["d_model"], cfg["n_heads"]
    hd = d // H
    R = 1.0 if normalize_residual(cfg["residual"]) == "on" else 0.0
    eps = cfg["norm_eps"]
    kind = cfg["norm"]
    angles = rope_angles(T, hd, cfg["rope_theta"])
    x = embed(cfg, tensors, tokens)
    layers = []
    for i in range(cfg["n_layers"]):
        g1, b1 = _norm_params(tensors, cfg, "layers.%d.attention_norm" % i)
        g2, b2 = _norm_params(tensors, cfg, "layers.%d.ffn_norm" % i)

        def bump(value, *sites):
            for site in sites:
                if (i, site) in perturb:
                    value = value + perturb[(i, site)]
            return value

        def ffn_bumped(inp):
            # ffn_hidden's perturbation reaches ffn_out through W2 (linear)
            f, h, mz = ffn(cfg, tensors, i, inp)
            if (i, "ffn_hidden") in perturb:
                dh = perturb[(i, "ffn_hidden")]
                h = h + dh
                f = f + dh @ tensors["layers.%d.feed_forward.w2.weight" % i].T.astype(f.dtype)
            return f, h, mz

        x = bump(x, "resid_in")
        s = {"resid_in": x}
        if cfg["placement"] == "pre":
            n1 = apply_norm(kind, x, g1, b1, eps)
            s["attn_norm"] = bump(n1["output"], "attn_norm")
            a, att = attention(cfg, tensors, i, s["attn_norm"], angles)
            s["attn_out"] = a = bump(a, "attn_out")
            s["resid_mid"] = bump(R * x + a, "resid_mid")
            n2 = apply_norm(kind, s["resid_mid"], g2, b2, eps)
            s["ffn_norm"] = bump(n2["output"], "ffn_norm")
            f, h, mz = ffn_bumped(s["ffn_norm"])
            s["ffn_hidden"] = h
            s["ffn_out"] = f = bump(f, "ffn_out")
            s["resid_out"] = bump(R * s["resid_mid"] + f, "resid_out")
        elif cfg["placement"] == "post":
            a, att = attention(cfg, tensors, i, x, angles)
            a = bump(a, "attn_out")
            n1 = apply_norm(kind, R * x + a, g1, b1, eps)
            s["attn_norm"] = bump(n1["output"], "attn_norm", "resid_mid")
            s["attn_out"] = a
            s["resid_mid"] = s["attn_norm"]
            f, h, mz = ffn_bumped(s["resid_mid"])
            f = bump(f, "ffn_out")
            n2 = apply_norm(kind, R * s["resid_mid"] + f, g2, b2, eps)
            s["ffn_norm"] = bump(n2["output"], "ffn_norm", "resid_out")
            s["ffn_hidden"] = h
            s["ffn_out"] = f
            s["resid_out"] = s["ffn_norm"]
        else:
            raise ValueError("unknown placement %r" % cfg["placement"])
        x = s["resid_out"]
        layers.append({"sites": s, "norms": {"attn_norm": n1, "ffn_norm": n2},
                       "maybe_zero": {"ffn_hidden": mz},
                       "attn_probs": att["probs"], "q": att["q"], "k": att["k"],
                       "q_rot": att["q_rot"], "k_rot": att["k_rot"]})
    final = None
    has_final = False
    if cfg["placement"] == "pre":
        gf, bf = _norm_params(tensors, cfg, "norm")
        final = apply_norm(kind, x, gf, bf, eps)
        has_final = kind != "none"
        head_in = final["output"]
    else:
        head_in = x
    logits = head_in @ tensors["output.weight"].T
    return {"config": dict(cfg), "tokens": tokens, "layers": layers, "final_norm": final,
            "has_final_norm": has_final, "rope_angle": angles, "logits": logits}


# ---------------------------------------------------------------- stats

def token_rms(values):
    v = np.asarray(values, dtype=np.float64)
    return np.sqrt((v * v).mean(axis=-1))


def site_stats(values):
    """Stats of one site (all values), as DESIGN.md "Probes" defines them.

    Returns dict with mean std rms min max absmax nan inf zero_frac hist_lo hist_hi,
    plus "counts" (64 ints) and "n" (number of values).  Fields over finite
    values are NaN when there is no finite value.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    fin = v[np.isfinite(v)]
    out = {"n": n, "nan": int(np.isnan(v).sum()), "inf": int(np.isinf(v).sum()),
           "zero_frac": float((v == 0).sum()) / n if n else 0.0}
    if fin.size:
        mean = fin.mean()
        out.update(mean=float(mean), std=float(np.sqrt(((fin - mean) ** 2).mean())),
                   rms=float(np.sqrt((fin * fin).mean())), min=float(fin.min()),
                   max=float(fin.max()), absmax=float(np.abs(fin).max()))
        lo, hi = out["min"], out["max"]
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        b = np.floor((fin - lo) / (hi - lo) * HIST_BINS).astype(np.int64)
        b = np.clip(b, 0, HIST_BINS - 1)
        counts = np.bincount(b, minlength=HIST_BINS)
        out.update(hist_lo=lo, hist_hi=hi, counts=counts)
    else:
        for k in ("mean", "std", "rms", "min", "max", "absmax"):
            out[k] = float("nan")
        out.update(hist_lo=0.0, hist_hi=0.0, counts=np.zeros(HIST_BINS, dtype=np.int64))
    return out


# ---------------------------------------------------------------- compare

DUP_KEY = "__duplicate_keys__"


def json_loads_keep_duplicates(text):
    """json.loads that keeps the last value of a duplicated key (as JSON.parse
    does) and files the earlier ones under DUP_KEY: {key: [earlier values]}."""
    def hook(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                d.setdefault(DUP_KEY, {}).setdefault(k, []).append(d[k])
            d[k] = v
        return d
    return json.loads(text, object_pairs_hook=hook)


def find_duplicate_keys(obj, path="run"):
    """Paths of objects (parsed with json_loads_keep_duplicates) that repeat a key."""
    out = []
    if isinstance(obj, dict):
        if DUP_KEY in obj:
            out.append("%s: %s" % (path, sorted(obj[DUP_KEY])))
        for k, v in obj.items():
            if k != DUP_KEY:
                out += find_duplicate_keys(v, "%s.%s" % (path, k))
    elif isinstance(obj, list) and obj and isinstance(obj[0], (dict, list)):
        for i, v in enumerate(obj):
            out += find_duplicate_keys(v, "%s[%d]" % (path, i))
            if out:
                break
    return out


class _Missing(object):
    def __repr__(self):
        return "<missing>"


MISSING = _Missing()


def _get(obj, key, where, errs):
    if isinstance(obj, dict) and key in obj:
        return obj[key]
    if isinstance(obj, list) and isinstance(key, int) and 0 <= key < len(obj):
        return obj[key]
    errs.append("%s: missing key %r" % (where, key))
    return MISSING


def _to_array(x):
    """JSON nested lists -> float64 array; null -> nan.  None if ragged/non-numeric."""
    def conv(e):
        if isinstance(e, list):
            return [conv(a) for a in e]
        if e is None:
            return float("nan")
        if isinstance(e, bool):
            raise TypeError
        if isinstance(e, (int, float)):
            return float(e)
        raise TypeError
    try:
        a = np.array(conv(x), dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if a.dtype == object:
        return None
    return a


def _fmt(x):
    if isinstance(x, float):
        return "%.9g" % x
    return repr(x)


def _close_scalar(got, exp, atol, rtol=RTOL):
    """NaN/Inf in exp must be matched by null/NaN/Inf in got."""
    if got is None:
        got = float("nan")
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    if not math.isfinite(exp):
        return not math.isfinite(got) and (math.isnan(exp) or math.isnan(got) or exp == got)
    if not math.isfinite(got):
        return False
    return abs(got - exp) <= atol + rtol * abs(exp)


def _cmp_scalar(errs, where, got, exp, atol, rtol=RTOL):
    if got is MISSING:
        return
    if not _close_scalar(got, float(exp), atol, rtol):
        errs.append("%s: expected %s got %s (tol %.3g)" % (where, _fmt(float(exp)), _fmt(got),
                                                            atol + rtol * abs(float(exp))
                                                            if math.isfinite(float(exp)) else 0.0))


def _cmp_array(errs, where, got, exp, atol, rtol=RTOL):
    """Elementwise comparison; got is JSON (nested lists)."""
    if got is MISSING:
        return
    exp = np.asarray(exp, dtype=np.float64)
    g = _to_array(got)
    if g is None:
        errs.append("%s: not a rectangular numeric array" % where)
        return
    if g.shape != exp.shape:
        if g.size == exp.size and exp.size > 0:
            errs.append("%s: shape %s, expected %s (comparing flattened)" % (where, list(g.shape),
                                                                          list(exp.shape)))
            g = g.reshape(exp.shape)
        else:
            errs.append("%s: shape %s, expected %s" % (where, list(g.shape), list(exp.shape)))
            return
    fe = np.isfinite(exp)
    fg = np.isfinite(g)
    tol = atol + rtol * np.where(fe, np.abs(exp), 0.0)
    with np.errstate(invalid="ignore"):
        bad = np.where(fe & fg, np.abs(g - exp) > tol, fe != fg)
    nbad = int(bad.sum())
    if nbad:
        idx = np.argwhere(bad)
        for ix in idx[:MAX_REPORT_PER_ARRAY]:
            t = tuple(int(a) for a in ix)
            errs.append("%s%s: expected %s got %s (tol %.3g)" % (
                where, list(t), _fmt(float(exp[t])), _fmt(float(g[t])), float(tol[t])))
        if nbad > MAX_REPORT_PER_ARRAY:
            errs.append("%s: ... %d of %d elements differ in all (max |diff| %.3g)" % (
                where, nbad, exp.size, float(np.nanmax(np.where(bad, np.abs(g - exp), 0.0)))))


def _scale(a):
    a = np.asarray(a, dtype=np.float64)
    f = a[np.isfinite(a)]
    return float(np.sqrt((f * f).mean())) if f.size else 0.0


def _drift(a64, a32):
    """Largest |float32 emulation - float64| over the finite elements (0 without a32)."""
    if a32 is None:
        return 0.0
    a64 = np.asarray(a64, dtype=np.float64)
    a32 = np.asarray(a32, dtype=np.float64)
    if a64.shape != a32.shape:
        return 0.0
    ok = np.isfinite(a64) & np.isfinite(a32)
    return float(np.abs(a64[ok] - a32[ok]).max()) if ok.any() else 0.0


def _tol(a64, a32=None):
    """atol for an array: ATOL_SCALE * its rms + DRIFT_FACTOR * float32 drift."""
    return ATOL_SCALE * _scale(a64) + DRIFT_FACTOR * _drift(a64, a32) + ATOL_TINY


def compare_stats(errs, where, got, values, skip=(), values32=None, maybe_zero=None):
    """Compare one JSON site-stats object against the stats of `values` [T, width].

    values32: the same site from forward(dtype=float32), if available; its
    element drift widens the tolerances (ill-conditioned cases) and its
    zero_frac widens the accepted zero_frac range.
    """
    st = site_stats(values)
    n = st["n"]
    rms = st["rms"] if math.isfinite(st["rms"]) else 0.0
    amax = st["absmax"] if math.isfinite(st["absmax"]) else 0.0
    drift = DRIFT_FACTOR * _drift(values, values32)
    a_rms = ATOL_SCALE * rms + drift + ATOL_TINY
    a_max = ATOL_SCALE * max(amax, rms) + drift + ATOL_TINY
    for k, atol in (("mean", a_rms), ("std", a_rms), ("rms", a_rms), ("min", a_max),
                    ("max", a_max), ("absmax", a_max)):
        if k in skip:
            continue
        _cmp_scalar(errs, where + "." + k, _get(got, k, where, errs), st[k], atol)
    for k in ("nan", "inf"):
        g = _get(got, k, where, errs)
        if g is not MISSING and g != st[k]:
            errs.append("%s.%s: expected %d got %s" % (where, k, st[k], _fmt(g)))
    g = _get(got, "zero_frac", where, errs)
    if g is not MISSING:
        if not isinstance(g, (int, float)) or isinstance(g, bool) or g is None:
            errs.append("%s.zero_frac: expected %s got %s" % (where, _fmt(st["zero_frac"]), _fmt(g)))
        else:
            v = np.asarray(values, dtype=np.float64)
            mz = np.abs(v) < FLOAT32_UNDERFLOW
            if maybe_zero is not None:
                mz = mz | maybe_zero
            tiny = int((mz & (v != 0)).sum())
            lo_z = st["zero_frac"] * n
            hi_z = lo_z + tiny
            if values32 is not None:
                z32 = float((np.asarray(values32) == 0).sum())
                lo_z, hi_z = min(lo_z, z32), max(hi_z, z32)
            slack = HIST_FRAC * n + ZERO_FRAC_SLACK
            if not (lo_z - slack <= g * n <= hi_z + slack):
                errs.append("%s.zero_frac: expected %s%s got %s (n=%d)" % (
                    where, _fmt(st["zero_frac"]),
                    " .. %s (float32 underflow/cancellation)" % _fmt(hi_z / n) if hi_z > lo_z else "",
                    _fmt(g), n))
    h = _get(got, "hist", where, errs)
    if h is not MISSING:
        hw = where + ".hist"
        _cmp_scalar(errs, hw + ".lo", _get(h, "lo", hw, errs), st["hist_lo"], a_max)
        _cmp_scalar(errs, hw + ".hi", _get(h, "hi", hw, errs), st["hist_hi"], a_max)
        c = _get(h, "counts", hw, errs)
        if c is not MISSING:
            ca = _to_array(c)
            if ca is None or ca.shape != (HIST_BINS,):
                errs.append("%s.counts: expected %d numbers, got %s" % (
                    hw, HIST_BINS, "shape %s" % (list(ca.shape),) if ca is not None else "non-numeric"))
            elif np.isnan(ca).any():
                errs.append("%s.counts: contains null" % hw)
            else:
                diff = int(np.abs(ca - st["counts"]).sum())
                allowed = HIST_FRAC * n + HIST_SLACK
                if drift > 0 and math.isfinite(st["hist_lo"]):
                    # values within the drift of a bin edge may land in either bin
                    fin = np.asarray(values, dtype=np.float64).ravel()
                    fin = fin[np.isfinite(fin)]
                    w = (st["hist_hi"] - st["hist_lo"]) / HIST_BINS
                    u = (fin - st["hist_lo"]) / w
                    near = np.abs(u - np.round(u)) * w < 2 * a_max
                    allowed += 2 * int(near.sum())
                if diff > allowed or int(ca.sum()) != n - st["nan"] - st["inf"]:
                    errs.append("%s.counts: sum|diff| %d > %.1f (got total %d, expected %d);"
                                " expected %s got %s" % (
                                    hw, diff, allowed, int(ca.sum()), n - st["nan"] - st["inf"],
                                    list(st["counts"]), [int(x) for x in ca]))
    if "token_rms" not in skip:
        tr = _get(got, "token_rms", where, errs)
        _cmp_array(errs, where + ".token_rms", tr, token_rms(values), a_rms)


def compare_config(errs, got_cfg, cfg):
    for k in CONFIG_DEFAULTS:
        g = _get(got_cfg, k, "config", errs)
        if g is MISSING:
            continue
        e = cfg[k]
        if k == "residual":
            try:
                ok = normalize_residual(g) == normalize_residual(e)
            except ValueError:
                ok = False
        elif k in FLOAT_FIELDS:
            try:
                ok = not isinstance(g, bool) and abs(float(g) - e) <= 1e-6 * abs(e)
            except (TypeError, ValueError):
                ok = False
        elif k in INT_FIELDS:
            try:
                ok = int(g) == int(e) and not isinstance(g, bool)
            except (TypeError, ValueError):
                ok = False
        else:
            ok = g == e
        if not ok:
            errs.append("config.%s: expected %s got %s" % (k, _fmt(e), _fmt(g)))


def compare(run, ref, full=True, expected_config=None, ref32=None):
    """Compare a CLI/JS JSON run object against forward() output.

    run: parsed JSON (dict).  ref: forward(...) result (float64).
    full: also compare the --full arrays.
    expected_config: if given, the config the run was asked for (checked
    against run["config"]; otherwise ref["config"] is used).
    ref32: optional forward(..., dtype=np.float32) result; where float32 itself
    is ill-conditioned (huge activations, peaked softmax) its drift from
    float64, times DRIFT_FACTOR, is added to the tolerances.
    Returns a list of mismatch strings (empty when everything agrees).
    """
    errs = []
    cfg = ref["config"]
    if not isinstance(run, dict):
        return ["run JSON is not an object"]

    def r32(*path):
        o = ref32
        for k in path:
            if o is None:
                return None
            o = o[k]
        return o

    c = _get(run, "config", "run", errs)
    if c is not MISSING:
        compare_config(errs, c, expected_config or cfg)
    t = _get(run, "tokens", "run", errs)
    if t is not MISSING and (not isinstance(t, list) or list(t) != list(ref["tokens"])):
        errs.append("tokens: expected %s got %s" % (list(ref["tokens"]), t))
    layers = _get(run, "layers", "run", errs)
    if layers is not MISSING:
        if not isinstance(layers, list) or len(layers) != len(ref["layers"]):
            errs.append("layers: expected %d layers got %s" % (
                len(ref["layers"]), len(layers) if isinstance(layers, list) else type(layers).__name__))
            layers = layers if isinstance(layers, list) else []
        for i, (gl, rl) in enumerate(zip(layers, ref["layers"])):
            lw = "layer %d" % i
            sites = _get(gl, "sites", lw, errs)
            if sites is not MISSING:
                for s in SITES:
                    gs = _get(sites, s, lw + ".sites", errs)
                    if gs is not MISSING:
                        compare_stats(errs, "%s %s" % (lw, s), gs, rl["sites"][s],
                                      values32=r32("layers", i, "sites", s),
                                      maybe_zero=rl.get("maybe_zero", {}).get(s))
            norms = _get(gl, "norms", lw, errs)
            if norms is not MISSING:
                for nm in NORMS:
                    gn = _get(norms, nm, lw + ".norms", errs)
                    if gn is MISSING:
                        continue
                    rn = rl["norms"][nm]
                    nw = "%s norms.%s" % (lw, nm)
                    _cmp_array(errs, nw + ".mean", _get(gn, "mean", nw, errs), rn["mean"],
                               ATOL_SCALE * _scale(rn["input"]) + ATOL_TINY +
                               DRIFT_FACTOR * _drift(rn["mean"], r32("layers", i, "norms", nm, "mean")))
                    _cmp_array(errs, nw + ".divisor", _get(gn, "divisor", nw, errs), rn["divisor"],
                               _tol(rn["divisor"], r32("layers", i, "norms", nm, "divisor")))
                    # the distribution before the norm (under post-norm it is not a site)
                    gi = _get(gn, "input", nw, errs)
                    if gi is not MISSING:
                        compare_stats(errs, nw + ".input", gi, rn["input"], skip=("token_rms",),
                                      values32=r32("layers", i, "norms", nm, "input"))
            if not full:
                continue
            _cmp_array(errs, lw + " attn_probs", _get(gl, "attn_probs", lw, errs), rl["attn_probs"],
                       PROB_ATOL + DRIFT_FACTOR * _drift(rl["attn_probs"], r32("layers", i, "attn_probs")),
                       rtol=0.0)
            nv = _get(gl, "norm_vectors", lw, errs)
            if nv is not MISSING:
                for nm in NORMS:
                    gn = _get(nv, nm, lw + ".norm_vectors", errs)
                    if gn is MISSING:
                        continue
                    rn = rl["norms"][nm]
                    for part in ("input", "normalized", "output"):
                        w = "%s norm_vectors.%s.%s" % (lw, nm, part)
                        _cmp_array(errs, w, _get(gn, part, w, errs), rn[part],
                                   _tol(rn[part], r32("layers", i, "norms", nm, part)))
            names = ("q", "k", "q_rot", "k_rot") if cfg["pos"] == "rope" else ("q", "k")
            for nm in names:
                _cmp_array(errs, "%s %s" % (lw, nm), _get(gl, nm, lw, errs), rl[nm],
                           _tol(rl[nm], r32("layers", i, nm)))

    # final norm
    fn = _get(run, "final_norm", "run", errs)
    rf = ref["final_norm"]
    if fn is not MISSING:
        if fn is None:
            if ref["has_final_norm"]:
                errs.append("final_norm: null, expected a %s record (pre placement)" % cfg["norm"])
        elif rf is None:
            errs.append("final_norm: expected null (post placement has no final norm), got an object")
        elif not isinstance(fn, dict):
            errs.append("final_norm: expected an object or null, got %s" % type(fn).__name__)
        else:
            # pre placement: {"stats": {as a site}, "mean": [T], "divisor": [T]}
            stats = _get(fn, "stats", "final_norm", errs)
            if isinstance(stats, dict):
                compare_stats(errs, "final_norm", stats, rf["output"], values32=r32("final_norm", "output"))
            elif stats is not MISSING:
                errs.append("final_norm.stats: expected an object, got %s" % type(stats).__name__)
            _cmp_array(errs, "final_norm.mean", _get(fn, "mean", "final_norm", errs), rf["mean"],
                       ATOL_SCALE * _scale(rf["input"]) + ATOL_TINY +
                       DRIFT_FACTOR * _drift(rf["mean"], r32("final_norm", "mean")))
            _cmp_array(errs, "final_norm.divisor", _get(fn, "divisor", "final_norm", errs),
                       rf["divisor"], _tol(rf["divisor"], r32("final_norm", "divisor")))

    logits = ref["logits"]
    lscale = _tol(logits, r32("logits"))
    ntl = _get(run, "next_token_logits", "run", errs)
    _cmp_array(errs, "next_token_logits", ntl, logits[-1], lscale)

    top = _get(run, "top_next", "run", errs)
    if top is not MISSING:
        last = logits[-1]
        p = softmax_rows(last[None])[0]
        ptol = PROB_ATOL
        if ref32 is not None:
            ptol += DRIFT_FACTOR * _drift(p, softmax_rows(np.asarray(r32("logits"))[-1][None]
                                                          .astype(np.float64))[0])
        order = np.argsort(-last, kind="stable")
        if not isinstance(top, list) or len(top) != 5:
            errs.append("top_next: expected 5 entries got %s" % (
                len(top) if isinstance(top, list) else type(top).__name__))
        else:
            fifth = last[order[4]]
            prev = None
            for j, e in enumerate(top):
                w = "top_next[%d]" % j
                b = _get(e, "byte", w, errs)
                if b is MISSING or not isinstance(b, int) or isinstance(b, bool) or not (0 <= b < VOCAB):
                    if b is not MISSING:
                        errs.append("%s.byte: %r is not a byte" % (w, b))
                    continue
                if last[b] < fifth - 2 * lscale - RTOL * abs(fifth):
                    errs.append("%s: byte %d (ref logit %s) is not in the reference top 5 %s" % (
                        w, b, _fmt(float(last[b])), [int(o) for o in order[:5]]))
                if prev is not None and last[b] > last[prev] + 2 * lscale + RTOL * abs(last[prev]):
                    errs.append("%s: byte %d ranks after byte %d but has a larger logit" % (w, b, prev))
                prev = b
                _cmp_scalar(errs, w + ".logit", _get(e, "logit", w, errs), last[b], lscale)
                _cmp_scalar(errs, w + ".prob", _get(e, "prob", w, errs), p[b], ptol, rtol=0.0)
                ch = _get(e, "char", w, errs)
                if ch is not MISSING:
                    # DESIGN.md does not say what a lone non-ASCII/control byte shows
                    # as (the C writes null); printable ASCII must be the character
                    if ch is not None and not isinstance(ch, str):
                        errs.append("%s.char: expected a string or null got %s" % (w, _fmt(ch)))
                    elif 32 <= b < 127 and ch != chr(b):
                        errs.append("%s.char: expected %r for byte %d got %r" % (w, chr(b), b, ch))

    if full:
        ra = run.get("rope_angle", MISSING)
        if cfg["pos"] != "rope" and (ra is None or ra == [] or ra is MISSING):
            pass    # angles only matter under RoPE; an empty/absent array is fine
        else:
            _cmp_array(errs, "rope_angle", _get(run, "rope_angle", "run", errs), ref["rope_angle"],
                       ANGLE_ATOL)
        fv = _get(run, "final_norm_vectors", "run", errs)
        if fv is not MISSING:
            if fv is None or (isinstance(fv, (list, dict)) and len(fv) == 0):
                if ref["has_final_norm"]:
                    errs.append("final_norm_vectors: empty/null, expected input/normalized/output")
            elif rf is None:
                errs.append("final_norm_vectors: expected null/empty under post placement")
            else:
                for part in ("input", "normalized", "output"):
                    w = "final_norm_vectors.%s" % part
                    _cmp_array(errs, w, _get(fv, part, "final_norm_vectors", errs), rf[part],
                               _tol(rf[part], r32("final_norm", part)))
        _cmp_array(errs, "logits", _get(run, "logits", "run", errs), logits, lscale)
    return errs


# ---------------------------------------------------------------- self test

def _rot_single(vec, pos, theta, pairing):
    hd = vec.shape[-1]
    return apply_rope(vec.reshape(1, 1, hd), rope_angles(pos + 1, hd, theta)[pos:pos + 1],
                      pairing).reshape(hd)


def selftest():
    fails = []

    def check(name, ok, detail=""):
        print("%-48s %s %s" % (name, "ok" if ok else "FAIL", "" if ok else detail))
        if not ok:
            fails.append(name)

    x = np.array([1.0, 2.0, 3.0, 4.0])
    ln = apply_norm("layernorm", x, np.ones(4), np.zeros(4), 1e-5)["output"]
    check("layernorm [1,2,3,4] eps 1e-5",
          np.allclose(ln, [-1.341635, -0.447212, 0.447212, 1.341635], atol=1e-6), ln)
    rn = apply_norm("rmsnorm", x, np.ones(4), None, 1e-6)["output"]
    check("rmsnorm [1,2,3,4] eps 1e-6",
          np.allclose(rn, [0.365148, 0.730297, 1.095445, 1.460593], atol=1e-6), rn)
    nn = apply_norm("none", x)
    check("norm none is identity, divisor 1",
          np.array_equal(nn["output"], x) and nn["divisor"] == 1.0 and nn["mean"] == 2.5)
    g = float(gelu_tanh(np.array(1.0)))
    check("gelu tanh(1) = 0.8411920", abs(g - 0.8411920) < 5e-8, "%.9f" % g)
    check("relu", np.array_equal(relu(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0]))
    check("silu(1) = 1/(1+e^-1)", abs(float(silu(np.array(1.0))) - 0.7310585786) < 1e-9)

    rng = np.random.default_rng(0)
    for pairing in ("interleaved", "half"):
        hd = 8
        ok_rel = ok_norm = True
        for _ in range(20):
            q = rng.standard_normal(hd)
            k = rng.standard_normal(hd)
            m, n, t = (int(a) for a in rng.integers(0, 50, 3))
            s0 = _rot_single(q, m, 10000.0, pairing) @ _rot_single(k, n, 10000.0, pairing)
            s1 = _rot_single(q, m + t, 10000.0, pairing) @ _rot_single(k, n + t, 10000.0, pairing)
            ok_rel &= abs(s0 - s1) < 1e-9 * (1 + abs(s0))
            ok_norm &= abs(np.linalg.norm(_rot_single(q, m, 10000.0, pairing)) -
                           np.linalg.norm(q)) < 1e-12
        check("rope %s relative-position score" % pairing, ok_rel)
        check("rope %s preserves norm" % pairing, ok_norm)
    # explicit pairing layout: hd=4 position 1, theta: angle pair0 = 1 rad, pair1 = theta^-0.5
    q = np.array([1.0, 0.0, 0.0, 0.0])
    ri = _rot_single(q, 1, 100.0, "interleaved")
    rh = _rot_single(q, 1, 100.0, "half")
    check("rope interleaved pairs (0,1)", np.allclose(ri, [math.cos(1), math.sin(1), 0, 0]), ri)
    check("rope half pairs (0,2)", np.allclose(rh, [math.cos(1), 0, math.sin(1), 0]), rh)
    check("rope angle t*theta^(-2i/hd)",
          np.allclose(rope_angles(3, 4, 100.0)[2], [2.0, 2.0 * 100.0 ** -0.5]))
    pe = sinusoidal_pe(3, 4)
    check("sinusoidal PE", np.allclose(pe[2], [math.sin(2), math.cos(2), math.sin(2 / 100.0),
                                               math.cos(2 / 100.0)]))

    st = site_stats(np.array([[0.0, 1.0], [2.0, 3.0]]))
    check("site_stats basic", st["mean"] == 1.5 and abs(st["std"] - math.sqrt(1.25)) < 1e-15 and
          abs(st["rms"] - math.sqrt(3.5)) < 1e-15 and st["zero_frac"] == 0.25 and
          st["counts"][0] == 1 and st["counts"][63] == 1 and st["counts"][21] == 1 and
          st["counts"][42] == 1, st)
    st = site_stats(np.array([np.nan, np.inf, -np.inf, 2.0, 0.0]))
    check("site_stats non-finite", st["nan"] == 1 and st["inf"] == 2 and st["mean"] == 1.0 and
          st["zero_frac"] == 0.2 and st["counts"].sum() == 2 and st["hist_lo"] == 0.0)
    st = site_stats(np.full((2, 3), 5.0))
    check("site_stats min == max", st["hist_lo"] == 4.5 and st["hist_hi"] == 5.5 and
          st["counts"][32] == 6 and st["std"] == 0.0)
    st = site_stats(np.array([np.nan, np.inf]))
    check("site_stats no finite value", st["hist_lo"] == 0.0 and st["hist_hi"] == 0.0 and
          st["counts"].sum() == 0 and math.isnan(st["mean"]))
    check("token_rms", np.allclose(token_rms(np.array([[3.0, 4.0]])), [math.sqrt(12.5)]))

    # causal attention sanity: position 0 attends only to itself, rows sum to 1
    import os
    import tempfile
    cfg = config_from_metadata({"n_layers": "2", "d_model": "16", "n_heads": "2", "d_ff": "24",
                                "norm": "layernorm", "placement": "pre", "residual": "on",
                                "activation": "swiglu", "pos": "learned", "max_tokens": "8",
                                "init_std": "0.3"})
    shapes = expected_tensor_shapes(cfg)
    tens = {}
    for k_, sh in shapes.items():
        tens[k_] = rng.standard_normal(sh) * 0.3
    fd, path = tempfile.mkstemp(suffix=".safetensors")
    os.close(fd)
    try:
        save_safetensors(path, tens, {k_: (v if isinstance(v, str) else repr(v))
                                      for k_, v in cfg.items()})
        t2, meta = load_safetensors(path)
    finally:
        os.unlink(path)
    cfg2 = config_from_metadata(meta)
    check("safetensors round trip", set(t2) == set(tens) and
          all(np.allclose(t2[k_], tens[k_], rtol=1e-6, atol=1e-7) for k_ in tens) and cfg2 == cfg)
    r = forward(cfg2, t2, [72, 195, 169, 0, 255])
    P = r["layers"][0]["attn_probs"]
    check("attn probs causal and normalized", np.allclose(P.sum(-1), 1.0) and
          np.all(np.triu(P, 1) == 0) and np.allclose(P[:, 0, 0], 1.0))
    # a run JSON made from the reference itself must compare clean
    fake = fake_run_json(r)
    e = compare(json.loads(json.dumps(fake)), r)
    check("compare(reference-as-JSON) is clean", not e, e[:3])
    fake["layers"][1]["sites"]["ffn_out"]["std"] *= 1.01
    e = compare(fake, r)
    check("compare catches a 1% std error", len(e) == 1 and "layer 1 ffn_out.std" in e[0], e[:3])
    del fake["layers"][0]["norms"]["ffn_norm"]["divisor"]
    e = compare(fake, r)
    check("compare reports a missing key", any("missing key 'divisor'" in s for s in e), e[:3])

    # a repeated key is invisible to JSON.parse (it keeps the last): it is flagged
    run = json_loads_keep_duplicates('{"a": {"mean": 1, "mean": [2]}}')
    check("duplicate keys are found", find_duplicate_keys(run) == ["run.a: ['mean']"], find_duplicate_keys(run))

    print("selftest: %d failed" % len(fails))
    return 0 if not fails else 1


def _stats_json(values):
    st = site_stats(values)
    o = {k: (st[k] if math.isfinite(st[k]) else None) if isinstance(st[k], float) else st[k]
         for k in ("mean", "std", "rms", "min", "max", "absmax", "nan", "inf", "zero_frac")}
    o["hist"] = {"lo": st["hist_lo"], "hi": st["hist_hi"], "counts": [int(c) for c in st["counts"]]}
    o["token_rms"] = token_rms(values).tolist()
    return o


def fake_run_json(r):
    """Render forward() output in the DESIGN.md JSON schema (--full).  For tests."""
    cfg = r["config"]
    out = {"config": dict(cfg), "weights": "file", "tokens": list(r["tokens"]), "layers": []}
    for rl in r["layers"]:
        lj = {"sites": {s: _stats_json(rl["sites"][s]) for s in SITES},
              "norms": {n: {"mean": rl["norms"][n]["mean"].tolist(),
                            "divisor": rl["norms"][n]["divisor"].tolist(),
                            "input": {k: v for k, v in _stats_json(rl["norms"][n]["input"]).items()
                                      if k != "token_rms"}} for n in NORMS},
              "attn_probs": rl["attn_probs"].tolist(),
              "norm_vectors": {n: {p: rl["norms"][n][p].tolist()
                                   for p in ("input", "normalized", "output")} for n in NORMS},
              "q": rl["q"].tolist(), "k": rl["k"].tolist()}
        if cfg["pos"] == "rope":
            lj["q_rot"] = rl["q_rot"].tolist()
            lj["k_rot"] = rl["k_rot"].tolist()
        out["layers"].append(lj)
    f = r["final_norm"]
    if f is not None and r["has_final_norm"]:
        fj = {"stats": _stats_json(f["output"])}
        fj["mean"] = f["mean"].tolist()
        fj["divisor"] = f["divisor"].tolist()
        out["final_norm"] = fj
        out["final_norm_vectors"] = {p: f[p].tolist() for p in ("input", "normalized", "output")}
    else:
        out["final_norm"] = None
        out["final_norm_vectors"] = None
    last = r["logits"][-1]
    p = softmax_rows(last[None])[0]
    out["next_token_logits"] = last.tolist()
    out["top_next"] = [{"byte": int(b), "char": chr(b) if b < 128 else "", "logit": float(last[b]),
                        "prob": float(p[b])} for b in np.argsort(-last, kind="stable")[:5]]
    out["rope_angle"] = r["rope_angle"].tolist()
    out["logits"] = r["logits"].tolist()
    return out


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "selftest":
        sys.exit(selftest())
    print(__doc__)
    sys.exit(2)
