#!/usr/bin/env python3
"""Fine-tunes the top layers of all-MiniLM-L6-v2 for 3-class sentiment and writes them as a small
overlay that parley's Go encoder (nlp/encoder) loads over the base model.

The lower layers stay frozen (their outputs are computed without gradients), the top --layers layers
and a linear head on the mean-pooled, L2-normalised embedding are trained with AdamW, fixed seeds, on a
fixed sample of the training sets. The overlay (float16 safetensors, the top layers under their Hugging
Face names) replaces those layers in the Go encoder; the head is not exported: parley trains its own
linear classifier on the overlay's embeddings (parley sentiment train), as for the base model.

    scripts/train/finetune-sentiment.sh            # the pinned environment and the arguments used

Test sets are never read here.
"""
import argparse
import csv
import json
import math
import os
import random
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from tokenizers import Tokenizer

LABELS = {"negative": 0, "neutral": 1, "positive": 2}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        hdr = json.loads(f.read(n))
        body = f.read()
    out = {}
    for name, info in hdr.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        dt = {"F16": np.float16, "F32": np.float32}[info["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(body[lo:hi], dtype=dt).astype(np.float32).reshape(info["shape"]).copy())
    return out


class Layer(torch.nn.Module):
    def __init__(self, w, p, heads, eps):
        super().__init__()
        self.heads, self.eps = heads, eps
        self.p = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(w[p + k].clone()) for k in (
            "attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight", "attention.self.key.bias",
            "attention.self.value.weight", "attention.self.value.bias", "attention.output.dense.weight", "attention.output.dense.bias",
            "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias", "intermediate.dense.weight", "intermediate.dense.bias",
            "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias")})
        self.prefix = p
    def forward(self, x, mask):
        P = lambda k: self.p[k.replace(".", "_")]
        b, n, h = x.shape
        hd = h // self.heads
        q = F.linear(x, P("attention.self.query.weight"), P("attention.self.query.bias")).view(b, n, self.heads, hd).transpose(1, 2)
        k = F.linear(x, P("attention.self.key.weight"), P("attention.self.key.bias")).view(b, n, self.heads, hd).transpose(1, 2)
        v = F.linear(x, P("attention.self.value.weight"), P("attention.self.value.bias")).view(b, n, self.heads, hd).transpose(1, 2)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        ctx = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, n, h)
        x = F.layer_norm(F.linear(ctx, P("attention.output.dense.weight"), P("attention.output.dense.bias")) + x, (h,),
                         P("attention.output.LayerNorm.weight"), P("attention.output.LayerNorm.bias"), self.eps)
        up = F.gelu(F.linear(x, P("intermediate.dense.weight"), P("intermediate.dense.bias")))
        return F.layer_norm(F.linear(up, P("output.dense.weight"), P("output.dense.bias")) + x, (h,),
                            P("output.LayerNorm.weight"), P("output.LayerNorm.bias"), self.eps)


def read_rows(paths):
    rows = []
    for path in paths:
        with open(path, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                rows.append((r["text"], LABELS[r["label"]]))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder", required=True)
    ap.add_argument("--data", required=True, help="name=path.csv:count,… (count 0: all rows; rows are sampled with a fixed seed)")
    ap.add_argument("--dev", required=True, help="CSV files (comma-separated) measured after each epoch")
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--lr-decay", type=float, default=1.0,
                    help="layer-wise learning-rate decay: each layer below the top one learns at this times the rate above it")
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    random.seed(a.seed), np.random.seed(a.seed), torch.manual_seed(a.seed)
    torch.set_num_threads(os.cpu_count() or 2)

    cfg = json.load(open(os.path.join(a.encoder, "config.json")))
    w = read_safetensors(os.path.join(a.encoder, "model-f16.safetensors"))
    tok = Tokenizer.from_file(os.path.join(a.encoder, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(a.max_len)
    H, L, heads, eps = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    frozen = [Layer(w, f"encoder.layer.{i}.", heads, eps).requires_grad_(False) for i in range(L - a.layers)]
    top = torch.nn.ModuleList(Layer(w, f"encoder.layer.{i}.", heads, eps) for i in range(L - a.layers, L))
    head = torch.nn.Linear(H, 3)

    train = []
    for item in a.data.split(","):
        name, rest = item.split("=", 1)
        path, count = rest.rsplit(":", 1)
        rows = read_rows([path])
        random.Random(a.seed).shuffle(rows)
        count = int(count)
        if count > len(rows):  # repeat a small set
            rows = (rows * math.ceil(count / len(rows)))[:count]
        elif count:
            rows = rows[:count]
        print(f"{name}: {len(rows)} rows", file=sys.stderr)
        train += rows
    devs = {os.path.basename(p): read_rows([p]) for p in a.dev.split(",")}

    def embed_frozen(texts):
        enc = tok.encode_batch(texts)
        n = max(len(e.ids) for e in enc)
        ids = torch.zeros(len(enc), n, dtype=torch.long)
        am = torch.zeros(len(enc), n)
        for i, e in enumerate(enc):
            ids[i, :len(e.ids)] = torch.tensor(e.ids)
            am[i, :len(e.ids)] = 1
        with torch.no_grad():
            x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] + w["embeddings.token_type_embeddings.weight"][0]
            x = F.layer_norm(x, (H,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
            mask = (1 - am)[:, None, None, :] * -1e9
            for layer in frozen:
                x = layer(x, mask)
        return x, mask, am

    def forward(texts):
        x, mask, am = embed_frozen(texts)
        for layer in top:
            x = layer(x, mask)
        pooled = (x * am[..., None]).sum(1) / am.sum(1, keepdim=True)
        return head(F.normalize(pooled, dim=-1) * 10)

    params = [{"params": layer.parameters(), "lr": a.lr * a.lr_decay ** (len(top) - 1 - i)} for i, layer in enumerate(top)]
    params.append({"params": head.parameters(), "lr": 1e-3})
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    steps = a.epochs * math.ceil(len(train) / a.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, (steps - s) / steps))

    def evaluate(rows):
        top.eval()
        pred = []
        with torch.no_grad():
            for i in range(0, len(rows), 128):
                pred += forward([t for t, _ in rows[i:i + 128]]).argmax(-1).tolist()
        top.train()
        f1s = []
        for c in range(3):
            tp = sum(1 for p, (_, y) in zip(pred, rows) if p == c and y == c)
            fp = sum(1 for p, (_, y) in zip(pred, rows) if p == c and y != c)
            fn = sum(1 for p, (_, y) in zip(pred, rows) if p != c and y == c)
            f1s.append(2 * tp / max(1, 2 * tp + fp + fn))
        return sum(f1s) / 3

    start, step = time.time(), 0
    for epoch in range(a.epochs):
        order = list(range(len(train)))
        random.Random(a.seed + epoch).shuffle(order)
        # batches of similar length: sort chunks of 50 batches by length
        chunks = [order[i:i + a.batch * 50] for i in range(0, len(order), a.batch * 50)]
        batches = []
        for ch in chunks:
            ch.sort(key=lambda i: len(train[i][0]))
            batches += [ch[i:i + a.batch] for i in range(0, len(ch), a.batch)]
        random.Random(a.seed + epoch).shuffle(batches)
        for b in batches:
            logits = forward([train[i][0] for i in b])
            loss = F.cross_entropy(logits, torch.tensor([train[i][1] for i in b]))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - start:.0f} s", file=sys.stderr, flush=True)
        scores = " ".join(f"{name} {evaluate(rows):.4f}" for name, rows in devs.items())
        print(f"epoch {epoch + 1}: macro-F1 {scores} ({time.time() - start:.0f} s)", file=sys.stderr, flush=True)

    tensors = {}
    for layer in top:
        for k, v in layer.p.items():
            tensors[layer.prefix + k.replace("_", ".")] = v.detach().to(torch.float16).contiguous()
    save_file(tensors, a.out, metadata={"base": "all-MiniLM-L6-v2", "layers": str(a.layers), "seed": str(a.seed),
                                        "data": a.data, "epochs": str(a.epochs), "lr": str(a.lr),
                                        "lr_decay": str(a.lr_decay)})
    print(f"wrote {a.out}: {len(tensors)} tensors", file=sys.stderr)


if __name__ == "__main__":
    main()
