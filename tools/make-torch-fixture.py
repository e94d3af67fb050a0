#!/usr/bin/python3
"""Writes checkpoints saved by real PyTorch (Debian's python3-torch) for the weight-reader tests.

test/fixtures/torch-tiny-gpt2/: a tiny GPT-2 laid out like Hugging Face's GPT2LMHeadModel,
  saved as float16 like the CRFM checkpoints, lm_head tied to wte.
test/fixtures/torch-tiny-gpt-neox/: a tiny GPT-NeoX laid out like Hugging Face's GPTNeoXForCausalLM,
  saved as float16 like the Pythia step checkpoints, with the buffers older checkpoints hold
  (attention.bias, attention.masked_bias, attention.rotary_emb.inv_freq); sharded/ holds the same
  state dict split over two files with a pytorch_model.bin.index.json, as Hugging Face shards.
test/fixtures/torch-views/: float32 and other dtypes with transposed, offset, strided and
  expanded views, with their full values; legacy.bin is a pre-1.6 (non-zip) save.

Each expected.json holds what torch itself says: shapes, dtypes and element values.
Run from the repository root: /usr/bin/python3 tools/make-torch-fixture.py [gpt2] [gpt-neox] [views]
(no arguments: all three).
"""
import importlib.util
import json
import math
import os
import sys
from collections import OrderedDict

import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')
VOCAB, N_POS, N_EMBD, N_LAYER, N_HEAD = 64, 32, 16, 2, 2


class Conv1D(nn.Module):
    """GPT-2's transposed linear layer: weight is [n_in, n_out]."""

    def __init__(self, n_out, n_in):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out) * 0.02)
        self.bias = nn.Parameter(torch.randn(n_out) * 0.02)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        mask = torch.tril(torch.ones(N_POS, N_POS, dtype=torch.bool)).view(1, 1, N_POS, N_POS)
        self.register_buffer('bias', mask)
        self.register_buffer('masked_bias', torch.tensor(-1e4))
        self.c_attn = Conv1D(3 * N_EMBD, N_EMBD)
        self.c_proj = Conv1D(N_EMBD, N_EMBD)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = Conv1D(4 * N_EMBD, N_EMBD)
        self.c_proj = Conv1D(N_EMBD, 4 * N_EMBD)


def layer_norm():
    ln = nn.LayerNorm(N_EMBD, eps=1e-5)
    with torch.no_grad():  # not the default ones/zeros, so a test can tell them apart
        ln.weight.add_(torch.randn(N_EMBD) * 0.1)
        ln.bias.add_(torch.randn(N_EMBD) * 0.1)
    return ln


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = layer_norm()
        self.attn = Attention()
        self.ln_2 = layer_norm()
        self.mlp = Mlp()


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, N_EMBD)
        self.wpe = nn.Embedding(N_POS, N_EMBD)
        self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
        self.ln_f = layer_norm()


class Gpt2LMHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = Transformer()
        self.lm_head = nn.Linear(N_EMBD, VOCAB, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied, as HF does


def flat_values(t, indices):
    flat = t.reshape(-1).float()
    return {str(i): flat[i].item() for i in indices if i < flat.numel()}


def describe(t, indices):
    return {
        'shape': list(t.shape),
        'dtype': str(t.dtype).replace('torch.', ''),
        'values': flat_values(t, indices),
        'sum': t.double().sum().item(),
    }


def write_json(path, value):
    with open(path, 'w') as f:
        json.dump(value, f, indent=1)
        f.write('\n')


def tiny_gpt2():
    out = os.path.join(ROOT, 'torch-tiny-gpt2')
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1234)
    model = Gpt2LMHead().half()
    sd = model.state_dict()
    torch.save(sd, os.path.join(out, 'pytorch_model.bin'))
    write_json(os.path.join(out, 'config.json'), {
        'architectures': ['GPT2LMHeadModel'], 'model_type': 'gpt2', 'vocab_size': VOCAB,
        'n_positions': N_POS, 'n_ctx': N_POS, 'n_embd': N_EMBD, 'n_layer': N_LAYER,
        'n_head': N_HEAD, 'activation_function': 'gelu_new', 'layer_norm_epsilon': 1e-5,
        'scale_attn_by_inverse_layer_idx': True, 'reorder_and_upcast_attn': True,
        'torch_dtype': 'float16',
    })
    indices = [0, 1, 2, 17, 100, 511, 1023]
    expected = {
        'keys': list(sd.keys()),
        'shared': [['lm_head.weight', 'transformer.wte.weight']]
        if sd['lm_head.weight'].data_ptr() == sd['transformer.wte.weight'].data_ptr() else [],
        'tensors': {name: describe(t, indices) for name, t in sd.items()},
        **torch_logprobs(sd, os.path.join(out, 'config.json')),
    }
    write_json(os.path.join(out, 'expected.json'), expected)


def torch_logprobs(sd, config_path):
    """What PyTorch's own float32 forward pass (tools/torch-score.py) says for a fixed sequence."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'torch-score.py')
    spec = importlib.util.spec_from_file_location('torch_score', path)
    torch_score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(torch_score)
    ids = [3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 3, 23, 8, 46, 2, 6, 43, 3, 14, 15, 9]
    with torch.no_grad():
        logits = torch_score.forward({k: v.float() for k, v in sd.items()}, json.load(open(config_path)), torch.tensor(ids))
    logprobs = torch.log_softmax(logits, dim=-1)
    return {
        'ids': ids,
        'next_logprobs': [logprobs[t, ids[t + 1]].item() for t in range(len(ids) - 1)],
        'top1': logprobs.argmax(dim=-1).tolist(),
    }


NEOX = {
    'vocab_size': 64, 'hidden_size': 32, 'num_hidden_layers': 2, 'num_attention_heads': 4,
    'intermediate_size': 64, 'max_position_embeddings': 32, 'rotary_pct': 0.25,
    'rotary_emb_base': 10000, 'layer_norm_eps': 1e-5, 'use_parallel_residual': True,
    'hidden_act': 'gelu', 'attention_bias': True, 'tie_word_embeddings': False,
}


def neox_linear(n_in, n_out):
    lin = nn.Linear(n_in, n_out)
    with torch.no_grad():  # wider than Pythia's init, so the log-probs are far from uniform
        lin.weight.normal_(0, 0.2)
        lin.bias.normal_(0, 0.1)
    return lin


def neox_layer_norm(d):
    ln = nn.LayerNorm(d, eps=NEOX['layer_norm_eps'])
    with torch.no_grad():
        ln.weight.add_(torch.randn(d) * 0.1)
        ln.bias.add_(torch.randn(d) * 0.1)
    return ln


class NeoxRotary(nn.Module):
    def __init__(self, dim, base):
        super().__init__()
        self.register_buffer('inv_freq', 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)))


class NeoxAttention(nn.Module):
    """The buffers in the order GPTNeoXAttention registered them before Hugging Face dropped them."""

    def __init__(self, c):
        super().__init__()
        p, d = c['max_position_embeddings'], c['hidden_size']
        self.register_buffer('bias', torch.tril(torch.ones(p, p, dtype=torch.bool)).view(1, 1, p, p))
        self.register_buffer('masked_bias', torch.tensor(-1e9))
        head = d // c['num_attention_heads']
        self.rotary_emb = NeoxRotary(int(head * c['rotary_pct']), c['rotary_emb_base'])
        self.query_key_value = neox_linear(d, 3 * d)
        self.dense = neox_linear(d, d)


class NeoxMlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense_h_to_4h = neox_linear(c['hidden_size'], c['intermediate_size'])
        self.dense_4h_to_h = neox_linear(c['intermediate_size'], c['hidden_size'])


class NeoxLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = neox_layer_norm(c['hidden_size'])
        self.post_attention_layernorm = neox_layer_norm(c['hidden_size'])
        self.attention = NeoxAttention(c)
        self.mlp = NeoxMlp(c)


class NeoxModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_in = nn.Embedding(c['vocab_size'], c['hidden_size'])
        self.layers = nn.ModuleList([NeoxLayer(c) for _ in range(c['num_hidden_layers'])])
        self.final_layer_norm = neox_layer_norm(c['hidden_size'])


class GptNeoxForCausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gpt_neox = NeoxModel(c)
        self.embed_out = nn.Linear(c['hidden_size'], c['vocab_size'], bias=False)  # untied


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def neox_forward(sd, c, ids):
    """Float32 logits [T, vocab] as Hugging Face's modeling_gpt_neox.py computes them.

    Rotary angles come from a fresh float32 inv_freq, as Hugging Face computes it, not from the
    checkpoint's (float16) buffer; the causal mask is built here, not read from attention.bias.
    """
    w = lambda n: sd[n if n == 'embed_out.weight' else 'gpt_neox.' + n]
    d, heads = c['hidden_size'], c['num_attention_heads']
    head = d // heads
    rot = int(head * c['rotary_pct'])
    T = ids.shape[0]
    inv_freq = 1.0 / (c['rotary_emb_base'] ** (torch.arange(0, rot, 2, dtype=torch.int64).float() / rot))
    freqs = torch.outer(torch.arange(T, dtype=torch.float32), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()  # [T, rot], broadcast over heads
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    ln = lambda x, n: torch.nn.functional.layer_norm(x, (d,), w(n + '.weight'), w(n + '.bias'), c['layer_norm_eps'])
    lin = lambda x, n: torch.nn.functional.linear(x, w(n + '.weight'), w(n + '.bias'))
    if c['hidden_act'] == 'gelu':
        act = torch.nn.functional.gelu  # exact, erf
    else:
        act = lambda x: torch.nn.functional.gelu(x, approximate='tanh')

    def rope(x):  # [heads, T, head]
        x_rot, x_pass = x[..., :rot], x[..., rot:]
        return torch.cat((x_rot * cos + rotate_half(x_rot) * sin, x_pass), dim=-1)

    h = w('embed_in.weight')[ids]
    for l in range(c['num_hidden_layers']):
        p = f'layers.{l}.'
        qkv = lin(ln(h, p + 'input_layernorm'), p + 'attention.query_key_value')
        qkv = qkv.view(T, heads, 3 * head).permute(1, 0, 2)  # per head [q, k, v]
        q, k, v = qkv[..., :head], qkv[..., head:2 * head], qkv[..., 2 * head:]
        q, k = rope(q), rope(k)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(head)
        scores = scores.masked_fill(~causal, torch.finfo(scores.dtype).min)
        probs = torch.softmax(scores, dim=-1)
        ctx = (probs @ v).permute(1, 0, 2).reshape(T, d)
        attn = lin(ctx, p + 'attention.dense')
        mlp = lambda x: lin(act(lin(ln(x, p + 'post_attention_layernorm'), p + 'mlp.dense_h_to_4h')), p + 'mlp.dense_4h_to_h')
        if c['use_parallel_residual']:
            h = mlp(h) + attn + h
        else:
            h = h + attn
            h = mlp(h) + h
    return torch.nn.functional.linear(ln(h, 'final_layer_norm'), w('embed_out.weight'))


def tiny_gpt_neox():
    out = os.path.join(ROOT, 'torch-tiny-gpt-neox')
    sharded = os.path.join(out, 'sharded')
    os.makedirs(sharded, exist_ok=True)
    torch.manual_seed(4321)
    model = GptNeoxForCausalLM(NEOX).half()  # the buffers too: inv_freq becomes float16
    for layer in model.gpt_neox.layers:  # float16 would make -1e9 -inf; keep it float32, -1e9
        layer.attention.masked_bias = torch.tensor(-1e9)
    sd = model.state_dict()
    config = {'architectures': ['GPTNeoXForCausalLM'], 'model_type': 'gpt_neox', **NEOX, 'torch_dtype': 'float16'}
    torch.save(sd, os.path.join(out, 'pytorch_model.bin'))
    write_json(os.path.join(out, 'config.json'), config)

    # Hugging Face's sharding: whole tensors per file, an index naming each tensor's file.
    first = lambda n: n.startswith('gpt_neox.embed_in.') or n.startswith('gpt_neox.layers.0.')
    shards = [OrderedDict((k, v) for k, v in sd.items() if first(k)),
              OrderedDict((k, v) for k, v in sd.items() if not first(k))]
    weight_map = {}
    for i, part in enumerate(shards):
        file = f'pytorch_model-{i + 1:05d}-of-{len(shards):05d}.bin'
        torch.save(part, os.path.join(sharded, file))
        weight_map.update({k: file for k in part})
    total = sum(t.numel() * t.element_size() for t in sd.values())
    write_json(os.path.join(sharded, 'pytorch_model.bin.index.json'),
               {'metadata': {'total_size': total}, 'weight_map': dict(sorted(weight_map.items()))})
    write_json(os.path.join(sharded, 'config.json'), config)

    ids = [3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 3, 23, 8, 46, 2, 6, 43, 3, 14, 15, 9]
    with torch.no_grad():
        logprobs = torch.log_softmax(neox_forward({k: v.float() for k, v in sd.items()}, config, torch.tensor(ids)), dim=-1)
    top2 = logprobs.topk(2, dim=-1).values
    buffers = [n for n in sd if n.endswith(('.attention.bias', '.attention.masked_bias', '.rotary_emb.inv_freq'))]
    write_json(os.path.join(out, 'expected.json'), {
        'keys': list(sd.keys()),
        'buffers': {n: {'shape': list(sd[n].shape), 'dtype': str(sd[n].dtype).replace('torch.', ''),
                        'sum': sd[n].double().sum().item()} for n in buffers},
        'ids': ids,
        'next_logprobs': [logprobs[t, ids[t + 1]].item() for t in range(len(ids) - 1)],
        'top1': logprobs.argmax(dim=-1).tolist(),
        'min_top1_margin': (top2[:, 0] - top2[:, 1]).min().item(),
    })


def views():
    out = os.path.join(ROOT, 'torch-views')
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(99)
    base = torch.randn(3, 5)
    long_base = torch.arange(40, dtype=torch.float32) / 8
    sd = OrderedDict()
    sd['base'] = base
    sd['transposed'] = base.t()  # shares base's storage, stride (1, 5)
    sd['column'] = base[:, 2]  # offset 2, stride 5
    sd['slice'] = long_base[7:19]  # offset 7 into a 40-element storage
    sd['every_third'] = long_base[1::3]  # offset 1, stride 3
    sd['block'] = long_base.view(5, 8)[1:4, 2:7]  # offset 10, strides (8, 1)
    sd['expanded'] = torch.tensor([1.5, -2.0, 3.25]).expand(4, 3)  # stride (0, 1)
    sd['permuted'] = torch.arange(24, dtype=torch.float32).view(2, 3, 4).permute(2, 0, 1)
    sd['scalar'] = torch.tensor(-1e4)
    sd['empty'] = torch.zeros(0, 3)
    sd['half_t'] = torch.randn(4, 3).half().t()
    sd['bf16'] = (torch.randn(6) * 100).bfloat16()
    sd['int64'] = torch.tensor([[-3, 0], [7, 1 << 40]], dtype=torch.int64)
    sd['bool'] = torch.tensor([True, False, True])
    torch.save(sd, os.path.join(out, 'pytorch_model.bin'))
    expected = {name: {
        'shape': list(t.shape),
        'dtype': str(t.dtype).replace('torch.', ''),
        'stride': list(t.stride()),
        'storage_offset': t.storage_offset(),
        'values': t.reshape(-1).double().tolist(),
    } for name, t in sd.items()}
    write_json(os.path.join(out, 'expected.json'), expected)
    # The same dict in the pre-1.6 format, which the readers must recognise and refuse.
    torch.save(OrderedDict(scalar=sd['scalar']), os.path.join(out, 'legacy.bin'),
               _use_new_zipfile_serialization=False)


FIXTURES = {'gpt2': tiny_gpt2, 'gpt-neox': tiny_gpt_neox, 'views': views}

if __name__ == '__main__':
    unknown = [a for a in sys.argv[1:] if a not in FIXTURES]
    if unknown:
        sys.exit(f'unknown fixture {unknown[0]}; choose from {", ".join(FIXTURES)}')
    for name in sys.argv[1:] or FIXTURES:
        FIXTURES[name]()
