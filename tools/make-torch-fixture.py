#!/usr/bin/python3
"""Writes checkpoints saved by real PyTorch (Debian's python3-torch) for the weight-reader tests.

test/fixtures/torch-tiny-gpt2/: a tiny GPT-2 laid out like Hugging Face's GPT2LMHeadModel,
  saved as float16 like the CRFM checkpoints, lm_head tied to wte.
test/fixtures/torch-views/: float32 and other dtypes with transposed, offset, strided and
  expanded views, with their full values; legacy.bin is a pre-1.6 (non-zip) save.

Each expected.json holds what torch itself says: shapes, dtypes and element values.
Run from the repository root: /usr/bin/python3 tools/make-torch-fixture.py
"""
import importlib.util
import json
import os
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


if __name__ == '__main__':
    tiny_gpt2()
    views()
