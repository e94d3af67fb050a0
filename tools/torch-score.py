#!/usr/bin/python3
"""Plain PyTorch eager GPT-2 scoring: the baseline `npm run bench` compares `lmb score` against.

Usage: torch-score.py CHECKPOINT_DIR IDS_FILE  (IDS_FILE: comma-separated token ids)
Prints one JSON line per token, the same schema as `lmb score --format jsonl` (without token text).
Float32 throughout, the forward pass as Hugging Face's GPT2LMHeadModel computes it, including the
Stanford CRFM flag scale_attn_by_inverse_layer_idx. Needs Debian's python3-torch only.
"""
import json
import math
import sys

import os

import torch


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(sd, cfg, ids):
    p = "transformer." if "transformer.wte.weight" in sd else ""
    w = lambda n: sd[p + n]
    d, heads, eps = cfg["n_embd"], cfg["n_head"], cfg.get("layer_norm_epsilon", 1e-5)
    T = ids.shape[0]
    h = w("wte.weight")[ids] + w("wpe.weight")[:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    ln = lambda x, n: torch.nn.functional.layer_norm(x, (d,), w(n + ".weight"), w(n + ".bias"), eps)
    for l in range(cfg["n_layer"]):
        q, k, v = (ln(h, f"h.{l}.ln_1") @ w(f"h.{l}.attn.c_attn.weight") + w(f"h.{l}.attn.c_attn.bias")).split(d, dim=-1)
        split = lambda t: t.view(T, heads, d // heads).transpose(0, 1)
        scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(d // heads)
        if cfg.get("scale_attn_by_inverse_layer_idx", False):
            scores = scores / (l + 1)
        probs = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        ctx = (probs @ split(v)).transpose(0, 1).reshape(T, d)
        h = h + ctx @ w(f"h.{l}.attn.c_proj.weight") + w(f"h.{l}.attn.c_proj.bias")
        m = gelu_new(ln(h, f"h.{l}.ln_2") @ w(f"h.{l}.mlp.c_fc.weight") + w(f"h.{l}.mlp.c_fc.bias"))
        h = h + m @ w(f"h.{l}.mlp.c_proj.weight") + w(f"h.{l}.mlp.c_proj.bias")
    return ln(h, "ln_f") @ w("wte.weight").T


def main():
    torch.set_num_threads(os.cpu_count())
    ckpt, ids_file = sys.argv[1], sys.argv[2]
    cfg = json.load(open(f"{ckpt}/config.json"))
    sd = {k: v.float() for k, v in torch.load(f"{ckpt}/pytorch_model.bin", map_location="cpu").items()}
    ids = torch.tensor([int(x) for x in open(ids_file).read().split(",")])
    with torch.no_grad():
        logprobs = torch.log_softmax(forward(sd, cfg, ids), dim=-1)
    top1 = logprobs.argmax(dim=-1)
    out = sys.stdout
    for t in range(ids.shape[0]):
        lp = None if t == 0 else logprobs[t - 1, ids[t]].item()
        top = None if t == 0 else top1[t - 1].item()
        out.write(json.dumps({"position": t, "token_id": ids[t].item(), "logprob": lp, "top1_id": top}) + "\n")


if __name__ == "__main__":
    main()
