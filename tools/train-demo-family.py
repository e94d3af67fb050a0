#!/usr/bin/python3
"""Trains the bundled demo family: tiny GPT-2s saved exactly like the Stanford CRFM runs.

    /usr/bin/python3 tools/train-demo-family.py            # the whole family: 3 seeds, ~13 min on 2 cores
    /usr/bin/python3 tools/train-demo-family.py --seeds 1  # one seed (~4-5 min)
    /usr/bin/python3 tools/train-demo-family.py --seeds 1 --no-save --probe-every 50 \
        --set steps=1500 synthetic_batch=16               # recipe search: print the probes only

Needs Debian's python3-torch only (run it with /usr/bin/python3; the `python3` on PATH may have
no torch) and reads nothing outside the repository: the text is the project copy in
suites/demo/data/ (its README.md gives sources, licences, the data mix, what is held out, and
the recipe search behind RECIPE).

The recipe (RECIPE below): GPT-2, 2 layers, 4 heads, d_model 64, context 128, vocab 2257, CRFM
attention flags on; 4000 AdamW steps of 16 windows x 128 tokens (lr 3e-3, 100 warm-up steps,
cosine to 3e-4, weight decay 0.01, clip 1.0); text: Shakespeare, OpenWebText, the UDHR in 11
languages, country facts, acronyms, synthetic e-mail and bracket lines, 12 passages upsampled
for memorisation, and English text with one span repeated. Seeds 1, 2, 3; checkpoints at steps
0, 20, 50, 100, 200, 400, 700, 1000, 1600, 2500, 4000.

What it writes, per seed S and saved step N:
  suites/demo/runs/seed-S/checkpoint-N/  config.json, pytorch_model.bin (fp16 state dict with
                                         Hugging Face GPT2LMHeadModel keys, lm_head tied to wte),
                                         vocab.json, merges.txt, tokenizer_config.json,
                                         special_tokens_map.json
  suites/demo/training-log.json          (beside --out's folder) the recipe, and per probe step:
                                         training loss, held-out loss per source, prefix
                                         matching, previous-token attention, loss on repeated
                                         random tokens
  suites/demo/data/passages.json         the memorisation passages, trained and held out

The tokenizer is GPT-2's own byte-level BPE cut to its first 2000 merges (the 256 byte tokens and
the merged tokens keep GPT-2's ids, then <|endoftext|> = 2256), so any GPT-2 tokenizer loads it
from vocab.json + merges.txt; suites/demo/data/tokenizer/ holds it, made from
test/fixtures/gpt2-tokenizer/ when absent. GPT-2's split regex is written out by hand below
(Debian's Python has no `regex` module); it matches the project's tokenizer on all the text.

Reproducible: one CPU thread, every random choice drawn from generators seeded by the seed (data
generation from seed 0), so the same command on the same PyTorch build writes byte-identical
weights.
"""
import argparse
import csv
import json
import math
import os
import sys
import time
import unicodedata
from collections import OrderedDict

import torch
from torch import nn

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
DEMO = os.path.join(ROOT, 'suites', 'demo')
DATA = os.path.join(DEMO, 'data')
EOS = '<|endoftext|>'

RECIPE = dict(
    merges=2000,  # GPT-2 BPE merges kept: vocab = 256 bytes + 2000 merged tokens + <|endoftext|> = 2257
    n_layer=2, n_head=4, n_embd=64, n_positions=128,
    wpe_init='normal', wpe_scale=0.02,  # Hugging Face's init; 'sinusoidal' was tried (no induction either)
    batch=16, steps=4000, lr=3e-3, warmup=100, min_lr_frac=0.1, weight_decay=0.01, clip=1.0,
    # share of the training windows (128 tokens + 1) drawn from each stream; see build_streams
    mix=OrderedDict(
        shakespeare=0.28, openwebtext=0.28, udhr=0.16, facts=0.05, acronyms=0.03, emails=0.03,
        brackets=0.03, memorise=0.04, copy=0.10,
    ),
    copy_span=(8, 48),  # 'copy' windows: English text with one span of this many tokens repeated at once
    # Synthetic copying batch, added to every step when synthetic_batch > 0 (off: in the recipe
    # search none of these formed an induction head within this budget; see suites/demo/data/README.md)
    synthetic_batch=0, synthetic_len=128, synthetic_mode='periodic', synthetic_period=(8, 64),
    alphabet=(0, 2256), chain_share=0.0, chain_copy=False,  # chain_copy: chains x[t+1] = x[t-1]
    # 'segments': one random segment of synthetic_period tokens (or a list of such ranges, one
    # drawn per window) placed synthetic_repeats times at random offsets ((2, 0): as many as fit);
    # 'triggers': synthetic_triggers random trigger tokens, each with its own random output token,
    # synthetic_pairs trigger-output pairs placed at random offsets
    synthetic_repeats=(3, 4), synthetic_triggers=(2, 4), synthetic_pairs=(8, 16),
    synthetic_filler='random',  # what fills 'segments'/'triggers' windows: 'random' tokens or 'text'
    synthetic_loss='all',       # 'predictable': train only on tokens the window's context predicts
    seeds=(1, 2, 3),
    save_steps=(0, 20, 50, 100, 200, 400, 700, 1000, 1600, 2500, 4000),  # about x1.6-2.5 apart
    probe_every=250,
)


# ---------------------------------------------------------------- tokenizer: GPT-2 byte-level BPE

def bytes_to_unicode():
    """GPT-2's map from bytes to printable characters (the alphabet of vocab.json / merges.txt)."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


# Unicode White_Space, which is what `\s` means in GPT-2's pattern (Python's str.isspace differs).
WHITE_SPACE = set('\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000') | {chr(c) for c in range(0x2000, 0x200b)}
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def char_class(c):
    if c in WHITE_SPACE:
        return 's'
    cat = unicodedata.category(c)[0]
    return cat if cat in 'LN' else 'o'


def pretokenize(text):
    """GPT-2's split `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`,
    written out by hand because Debian's Python has no `regex` module."""
    out, i, n = [], 0, len(text)
    cls = [char_class(c) for c in text]
    while i < n:
        c = text[i]
        if c == "'":
            hit = next((k for k in CONTRACTIONS if text.startswith(k, i)), None)
            if hit:
                out.append(hit)
                i += len(hit)
                continue
        start = i
        if c == ' ' and i + 1 < n and cls[i + 1] != 's':
            i += 1  # the optional leading space of a letter, number or symbol run
        k = cls[i]
        if k != 's':
            j = i + 1
            while j < n and cls[j] == k:
                j += 1
            out.append(text[start:j])
            i = j
            continue
        j = i + 1
        while j < n and cls[j] == 's':
            j += 1
        if j < n and j - i > 1:
            j -= 1  # \s+(?!\S): leave the last space to start the next word
        out.append(text[i:j])
        i = j
    return out


class ByteBPE:
    """GPT-2's byte-level BPE from a vocab (token -> id) and ranked merges."""

    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self.byte_map = bytes_to_unicode()
        self.cache = {}
        self.eos_id = vocab[EOS]

    def _bpe(self, word):
        parts = list(word)
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), math.inf), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, _ = min(pairs)
            if rank == math.inf:
                break
            a, b = next((parts[i], parts[i + 1]) for r, i in pairs if r == rank)
            merged, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == a and parts[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        return [self.vocab[p] for p in parts]

    def encode(self, text):
        ids = []
        for k, chunk in enumerate(text.split(EOS)):
            if k:
                ids.append(self.eos_id)
            for piece in pretokenize(chunk):
                hit = self.cache.get(piece)
                if hit is None:
                    hit = self.cache[piece] = self._bpe(''.join(self.byte_map[b] for b in piece.encode('utf-8')))
                ids.extend(hit)
        return ids


def load_tokenizer(merges_kept):
    """The truncated tokenizer in suites/demo/data/tokenizer/, made from the project's GPT-2 files if absent."""
    folder = os.path.join(DATA, 'tokenizer')
    vocab_path, merges_path = os.path.join(folder, 'vocab.json'), os.path.join(folder, 'merges.txt')
    if not os.path.exists(vocab_path):
        src = os.path.join(ROOT, 'test', 'fixtures', 'gpt2-tokenizer')
        full_vocab = json.load(open(os.path.join(src, 'vocab.json'), encoding='utf-8'))
        lines = open(os.path.join(src, 'merges.txt'), encoding='utf-8').read().split('\n')
        merges = [tuple(l.split(' ')) for l in lines[1:] if l][:merges_kept]
        vocab = {t: i for t, i in full_vocab.items() if i < 256}
        for a, b in merges:
            if a not in vocab or b not in vocab or a + b in vocab:
                sys.exit(f'merge {a} {b} does not build on earlier tokens')
            vocab[a + b] = len(vocab)
            if full_vocab[a + b] != vocab[a + b]:
                sys.exit(f'{a + b} would get id {vocab[a + b]}, GPT-2 gives it {full_vocab[a + b]}')
        vocab[EOS] = len(vocab)
        os.makedirs(folder, exist_ok=True)
        with open(vocab_path, 'w', encoding='utf-8') as f:
            json.dump(vocab, f, ensure_ascii=False)
        with open(merges_path, 'w', encoding='utf-8') as f:
            f.write('#version: 0.2\n' + ''.join(f'{a} {b}\n' for a, b in merges))
    vocab = json.load(open(vocab_path, encoding='utf-8'))
    lines = open(merges_path, encoding='utf-8').read().split('\n')
    merges = [tuple(l.split(' ')) for l in lines[1:] if l]
    if len(merges) != merges_kept or len(vocab) != 256 + merges_kept + 1:
        sys.exit(f'{folder} holds {len(merges)} merges, the recipe wants {merges_kept}: delete the folder to rebuild it')
    return ByteBPE(vocab, merges), folder


# ---------------------------------------------------------------- data

UDHR_LANGUAGES = OrderedDict(  # file stem -> language
    eng_drb='English', frn_grd='French', ger_robu='German', spa_mr='Spanish', ita_dan='Italian',
    por_sl='Portuguese', dut_mb='Dutch', rus_sd='Russian', pl_km='Polish', jpn_k='Japanese', chn_cz='Chinese',
)
HELD_OUT = dict(openwebtext=0.10, shakespeare=0.05, udhr=0.10)  # the last share of each, never trained on

FIRST_NAMES = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
               'William', 'Susan', 'Richard', 'Jessica', 'Thomas', 'Sarah', 'Daniel', 'Karen', 'Paul', 'Nancy',
               'Mark', 'Lisa', 'Peter', 'Anna', 'George', 'Emma', 'Kevin', 'Laura', 'Brian', 'Helen']
LAST_NAMES = ['Smith', 'Johnson', 'Brown', 'Taylor', 'Miller', 'Wilson', 'Moore', 'Anderson', 'Thomas', 'Jackson',
              'White', 'Harris', 'Martin', 'Thompson', 'Garcia', 'Clark', 'Lewis', 'Walker', 'Hall', 'Allen',
              'Young', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Hill', 'Campbell']
DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'university.edu', 'company.co.uk', 'news.example.com']


def read(*parts):
    with open(os.path.join(DATA, *parts), encoding='utf-8') as f:
        return f.read()


def split_held_out(items, share):
    cut = len(items) - max(1, round(len(items) * share))
    return items[:cut], items[cut:]


def text_sources():
    """The training and held-out texts, as strings (the same for every seed)."""
    owt = [p.strip() for p in read('openwebtext', 'openwebtext_first100docs.txt').split('\n\n') if p.strip()]
    shakespeare = [b.strip() for b in read('tinyshakespeare', 'input.txt').split('\n\n') if b.strip()]
    train, held = {}, {}
    train['openwebtext'], held['openwebtext'] = split_held_out(owt, HELD_OUT['openwebtext'])
    train['shakespeare'], held['shakespeare'] = split_held_out(shakespeare, HELD_OUT['shakespeare'])
    for stem, lang in UDHR_LANGUAGES.items():
        lines = [l.split('\t', 1)[1].strip() for l in read('udhr', f'human_rights_un_{stem}_64kb.txt').split('\n') if '\t' in l]
        train[f'udhr/{lang}'], held[f'udhr/{lang}'] = split_held_out(lines, HELD_OUT['udhr'])
    return train, held


def facts_text(rng):
    languages = json.loads(read('world-facts', 'languages.min.json'))
    facts = []
    for row in csv.DictReader(read('world-facts', 'countries.csv').splitlines()):
        name, capital, continent = row['Name'], row['Capital'], row['Continent']
        langs = [languages[c]['name'] for c in row['Languages'].split(',') if c in languages]
        if capital:
            facts += [f'The capital of {name} is {capital}.', f'{capital} is the capital of {name}.']
        facts.append(f'{name} is a country in {continent}.')
        if langs:
            facts.append(f'People in {name} speak {" and ".join(langs)}.')
    out = []
    for _ in range(6):
        order = torch.randperm(len(facts), generator=rng).tolist()
        out += [' '.join(facts[i] for i in order[k:k + 4]) for k in range(0, len(order), 4)]
    return out


def acronyms_text(rng):
    pairs = []
    for name, key in (('foss-acronyms.json', 'Definition'), ('foss-chat-acronyms.json', 'Definition'),
                      ('foss-organizations.json', 'Meaning')):
        for entry in json.loads(read('acronyms', name)):
            if len(entry[key]) <= 60:
                pairs.append((entry['Abbreviation'], entry[key]))
    forms = ['{a} stands for {d}.', '{d} ({a})', 'The acronym {a} means {d}.', '{a} ({d})']
    out = []
    for _ in range(6):
        for i in torch.randperm(len(pairs), generator=rng).tolist():
            a, d = pairs[i]
            out.append(forms[int(torch.randint(len(forms), (1,), generator=rng))].format(a=a, d=d))
    return [' '.join(out[k:k + 3]) for k in range(0, len(out), 3)]


def pick(seq, rng):
    return seq[int(torch.randint(len(seq), (1,), generator=rng))]


def emails_text(rng):
    forms = ['You can reach {F} {L} at {f}.{l}@{d}.', 'Contact: {F} {L} <{f}.{l}@{d}>', 'Email {F} at {f}{l0}@{d} for details.',
             'Send your questions to info@{d}.', 'For press enquiries, write to press@{d} or {f}@{d}.',
             '{F} {L} ({f}.{l}@{d}) wrote the report.']
    out = []
    for _ in range(1500):
        F, L = pick(FIRST_NAMES, rng), pick(LAST_NAMES, rng)
        out.append(pick(forms, rng).format(F=F, L=L, f=F.lower(), l=L.lower(), l0=L[0].lower(), d=pick(DOMAINS, rng)))
    return [' '.join(out[k:k + 3]) for k in range(0, len(out), 3)]


def brackets_text(rng):
    """Nested brackets and quotes: expressions, lists, and prose with asides."""
    words = ['the', 'data', 'model', 'value', 'report', 'city', 'team', 'page', 'result', 'year', 'system', 'line']
    atoms = ['x', 'y', 'n', 'a', 'b', '1', '2', '3', '10']

    def expr(depth):
        if depth == 0 or int(torch.randint(3, (1,), generator=rng)) == 0:
            return pick(atoms, rng)
        kind = int(torch.randint(4, (1,), generator=rng))
        inner = f'{expr(depth - 1)} {pick(["+", "-", "*", "/"], rng)} {expr(depth - 1)}'
        return [f'({inner})', f'f({expr(depth - 1)})', f'[{expr(depth - 1)}, {expr(depth - 1)}]', f'g({inner})'][kind]

    out = []
    for _ in range(1500):
        kind = int(torch.randint(4, (1,), generator=rng))
        if kind == 0:
            out.append(f'{pick(atoms[:4], rng)} = {expr(3)}')
        elif kind == 1:
            out.append(f'The {pick(words, rng)} (see the {pick(words, rng)} in section {int(torch.randint(1, 9, (1,), generator=rng))}) was checked.')
        elif kind == 2:
            out.append(f'She said "the {pick(words, rng)} is ready" and left.')
        else:
            out.append(f'[{pick(words, rng)}] {{{pick(words, rng)}: ({pick(atoms, rng)}, {pick(atoms, rng)})}}')
    return ['\n'.join(out[k:k + 4]) for k in range(0, len(out), 4)]


def memorise_passages(train, held, rng, tok):
    """Passages upsampled in training (`trained`) and look-alikes never trained on (`held_out`)."""
    def choose(blocks, n):
        good = [b for b in blocks if 150 <= len(b) <= 400 and EOS not in b and len(tok.encode(b)) <= 96]
        return [good[i] for i in torch.randperm(len(good), generator=rng)[:n].tolist()]
    return {
        'trained': choose(train['shakespeare'], 6) + choose(train['openwebtext'], 6),
        'held_out': choose(held['shakespeare'], 6) + choose(held['openwebtext'], 6),
    }


def build_streams(tok):
    """Token streams to draw training windows from, the held-out streams, and the memorised passages."""
    rng = torch.Generator().manual_seed(0)  # the data is the same for every seed
    train, held = text_sources()
    passages = memorise_passages(train, held, rng, tok)
    enc = lambda text: torch.tensor(tok.encode(text), dtype=torch.long)
    streams = {
        'openwebtext': enc('\n\n'.join(train['openwebtext'])),
        'shakespeare': enc('\n\n'.join(train['shakespeare'])),
        'facts': enc('\n'.join(facts_text(rng))),
        'acronyms': enc('\n'.join(acronyms_text(rng))),
        'emails': enc('\n'.join(emails_text(rng))),
        'brackets': enc('\n\n'.join(brackets_text(rng))),
        'memorise': enc(EOS + EOS.join(passages['trained'] * 4) + EOS),
    }
    udhr = {k[5:]: enc('\n'.join(v)) for k, v in train.items() if k.startswith('udhr/')}
    held_streams = {
        'openwebtext': enc('\n\n'.join(held['openwebtext'])),
        'shakespeare': enc('\n\n'.join(held['shakespeare'])),
        'udhr': enc(EOS.join('\n'.join(v) for k, v in held.items() if k.startswith('udhr/'))),
    }
    return streams, udhr, held_streams, passages, train, held


class Batches:
    """Training windows, each drawn from one stream chosen by the recipe's mix; plus, when the recipe
    asks for them, a separate batch of synthetic copying windows (random tokens)."""

    def __init__(self, streams, udhr, r, seed):
        self.streams, self.udhr, self.n_ctx = streams, udhr, r['n_positions']
        self.names = list(r['mix'])
        self.weights = torch.tensor([r['mix'][k] for k in self.names], dtype=torch.double)
        self.r = r
        self.rng = torch.Generator().manual_seed(1000 + seed)
        lo, hi = r['alphabet']
        self.chain = torch.randperm(hi - lo, generator=torch.Generator().manual_seed(7)) + lo
        if r['chain_copy']:  # x[t+1] = x[t-1]: a previous-token head that copies
            self.chain = torch.arange(lo, hi)

    def _int(self, lo, hi):
        """A uniform integer in [lo, hi]."""
        return int(torch.randint(lo, hi + 1, (1,), generator=self.rng))

    def _slice(self, stream, length):
        start = self._int(0, len(stream) - length - 1)
        return stream[start:start + length + 1].clone()

    def window(self):
        name = self.names[int(torch.multinomial(self.weights, 1, generator=self.rng))]
        if name == 'udhr':
            langs = list(self.udhr)
            return self._slice(self.udhr[langs[self._int(0, len(langs) - 1)]], self.n_ctx)
        if name == 'copy':
            # English text in which one span is immediately repeated: copying predicts the repeat
            w = self._slice(self.streams[('openwebtext', 'shakespeare')[self._int(0, 1)]], self.n_ctx)
            p = self._int(*self.r['copy_span'])
            at = self._int(0, len(w) - 2 * p)
            w[at + p:at + 2 * p] = w[at:at + p]
            return w
        return self._slice(self.streams[name], self.n_ctx)

    def next(self, batch):
        return torch.stack([self.window() for _ in range(batch)])

    def _offsets(self, length, sizes):
        """Random non-overlapping starts, in order, for runs of these sizes in `length` tokens."""
        cuts = sorted(self._int(0, length - sum(sizes)) for _ in sizes)
        return [c + sum(sizes[:k]) for k, c in enumerate(cuts)]

    def _filler(self, length):
        if self.r['synthetic_filler'] == 'text':
            return self._slice(self.streams[('openwebtext', 'shakespeare')[self._int(0, 1)]], length - 1)
        lo, hi = self.r['alphabet']
        return torch.randint(lo, hi, (length,), generator=self.rng)

    def synthetic(self, batch, length):
        """Random tokens from the recipe's alphabet: repeated with a period ('periodic'), with one
        run repeated once among fresh tokens ('once'), one segment at random offsets ('segments'),
        or trigger-output pairs ('triggers'); a share are chains x[t+1] = g(x[t-1]) for a fixed
        permutation g (or g = identity), which reward a previous-token head. Returns the windows
        and their targets (-100 where synthetic_loss = 'predictable' leaves a token out)."""
        lo, hi = self.r['alphabet']
        out, chains = [], []
        for _ in range(batch):
            chains.append(float(torch.rand(1, generator=self.rng)) < self.r['chain_share'])
            if chains[-1]:
                w = torch.empty(length + 1, dtype=torch.long)
                w[:2] = torch.randint(lo, hi, (2,), generator=self.rng)
                for i in range(2, length + 1):
                    w[i] = self.chain[w[i - 2] - lo]
            elif self.r['synthetic_mode'] == 'segments':
                w = self._filler(length + 1)
                bands = self.r['synthetic_period']
                band = bands[self._int(0, len(bands) - 1)] if isinstance(bands[0], (list, tuple)) else bands
                L = self._int(*band)
                lo_n, hi_n = self.r['synthetic_repeats']
                n = (length + 1) // L if hi_n == 0 else min(self._int(lo_n, hi_n), (length + 1) // L)
                seg = torch.randint(lo, hi, (L,), generator=self.rng)
                for at in self._offsets(length + 1, [L] * n):
                    w[at:at + L] = seg
            elif self.r['synthetic_mode'] == 'triggers':
                w = self._filler(length + 1)
                K = self._int(*self.r['synthetic_triggers'])
                trig = torch.randint(lo, hi, (K,), generator=self.rng)
                outs = torch.randint(lo, hi, (K,), generator=self.rng)
                n = min(self._int(*self.r['synthetic_pairs']), (length + 1) // 2)
                for at in self._offsets(length + 1, [2] * n):
                    i = self._int(0, K - 1)
                    w[at], w[at + 1] = trig[i], outs[i]
            elif self.r['synthetic_mode'] == 'once':
                p = self._int(*self.r['synthetic_period'])
                w = torch.randint(lo, hi, (length + 1,), generator=self.rng)
                at = self._int(0, length + 1 - 2 * p)
                w[at + p:at + 2 * p] = w[at:at + p]
            else:
                p = self._int(*self.r['synthetic_period'])
                w = torch.randint(lo, hi, (p,), generator=self.rng).repeat(length // p + 2)[:length + 1]
            out.append(w)
        w = torch.stack(out)
        y = w[:, 1:].clone()
        if self.r['synthetic_loss'] == 'predictable':
            # train only on the tokens that context predicts: the second token of a bigram seen
            # before in the window (chains are predictable throughout)
            for b, seq in enumerate(w.tolist()):
                if chains[b]:
                    continue
                seen = set()
                for i in range(1, len(seq)):
                    if (seq[i - 1], seq[i]) not in seen:
                        seen.add((seq[i - 1], seq[i]))
                        y[b, i - 1] = -100
        return w, y


# ---------------------------------------------------------------- model: Hugging Face GPT2LMHeadModel's layout

class Conv1D(nn.Module):
    """GPT-2's linear layer, weight stored [n_in, n_out]."""

    def __init__(self, n_out, n_in, std):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out) * std)
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(*x.shape[:-1], -1)


class Attention(nn.Module):
    def __init__(self, cfg, layer_idx):
        super().__init__()
        n_pos, d = cfg['n_positions'], cfg['n_embd']
        self.register_buffer('bias', torch.tril(torch.ones(n_pos, n_pos, dtype=torch.bool)).view(1, 1, n_pos, n_pos))
        self.register_buffer('masked_bias', torch.tensor(-1e4))
        self.c_attn = Conv1D(3 * d, d, 0.02)
        self.c_proj = Conv1D(d, d, 0.02 / math.sqrt(2 * cfg['n_layer']))
        self.n_head, self.d = cfg['n_head'], d
        # scale_attn_by_inverse_layer_idx (the CRFM flag): scores of layer i also divided by i + 1
        self.scale = 1.0 / math.sqrt(d // self.n_head) / (layer_idx + 1)

    def forward(self, x):
        B, T, _ = x.shape
        q, k, v = self.c_attn(x).split(self.d, dim=-1)
        split = lambda t: t.view(B, T, self.n_head, -1).transpose(1, 2)
        scores = (split(q) @ split(k).transpose(-1, -2)) * self.scale
        probs = scores.masked_fill(~self.bias[:, :, :T, :T], float('-inf')).softmax(dim=-1)
        return self.c_proj((probs @ split(v)).transpose(1, 2).reshape(B, T, self.d)), probs


class Mlp(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg['n_embd']
        self.c_fc = Conv1D(4 * d, d, 0.02)
        self.c_proj = Conv1D(d, 4 * d, 0.02 / math.sqrt(2 * cfg['n_layer']))

    def forward(self, x):
        h = self.c_fc(x)
        return self.c_proj(0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h ** 3))))  # gelu_new


class Block(nn.Module):
    def __init__(self, cfg, layer_idx):
        super().__init__()
        d, eps = cfg['n_embd'], cfg['layer_norm_epsilon']
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = Attention(cfg, layer_idx)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = Mlp(cfg)

    def forward(self, x):
        a, probs = self.attn(self.ln_1(x))
        x = x + a
        return x + self.mlp(self.ln_2(x)), probs


class Transformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.wte = nn.Embedding(cfg['vocab_size'], cfg['n_embd'])
        self.wpe = nn.Embedding(cfg['n_positions'], cfg['n_embd'])
        self.h = nn.ModuleList([Block(cfg, i) for i in range(cfg['n_layer'])])
        self.ln_f = nn.LayerNorm(cfg['n_embd'], eps=cfg['layer_norm_epsilon'])


class GPT2LMHeadModel(nn.Module):
    def __init__(self, cfg, wpe_init, wpe_scale):
        super().__init__()
        self.transformer = Transformer(cfg)
        self.lm_head = nn.Linear(cfg['n_embd'], cfg['vocab_size'], bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied, as Hugging Face does
        with torch.no_grad():
            self.transformer.wte.weight.normal_(0, 0.02)
            if wpe_init == 'sinusoidal':
                self.transformer.wpe.weight.copy_(sinusoids(cfg['n_positions'], cfg['n_embd']) * wpe_scale)
            else:
                self.transformer.wpe.weight.normal_(0, wpe_scale)

    def forward(self, ids, attentions=False):
        t = self.transformer
        h = t.wte(ids) + t.wpe.weight[:ids.shape[1]]
        probs = []
        for block in t.h:
            h, p = block(h)
            probs.append(p)
        logits = t.ln_f(h) @ t.wte.weight.T
        return (logits, probs) if attentions else logits


def sinusoids(n_pos, d):
    """The original Transformer's position code (unit variance per dimension): the shift by one
    position is a fixed rotation of it, which a previous-token head can learn as one matrix."""
    pos = torch.arange(n_pos, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float32) / d)
    out = torch.zeros(n_pos, d)
    out[:, 0::2], out[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return out * math.sqrt(2.0)


def hf_config(cfg, tok):
    return OrderedDict(
        architectures=['GPT2LMHeadModel'], model_type='gpt2', vocab_size=cfg['vocab_size'],
        n_positions=cfg['n_positions'], n_ctx=cfg['n_positions'], n_embd=cfg['n_embd'], n_layer=cfg['n_layer'],
        n_head=cfg['n_head'], n_inner=None, activation_function='gelu_new', resid_pdrop=0.0, embd_pdrop=0.0,
        attn_pdrop=0.0, layer_norm_epsilon=1e-5, initializer_range=0.02, scale_attn_weights=True,
        scale_attn_by_inverse_layer_idx=True, reorder_and_upcast_attn=True, use_cache=False,
        bos_token_id=tok.eos_id, eos_token_id=tok.eos_id, torch_dtype='float16',
    )


# ---------------------------------------------------------------- probes

class Probes:
    """Fixed inputs (the same for every seed and checkpoint) and what each checkpoint does on them."""

    def __init__(self, held_streams, alphabet, n_ctx):
        g = torch.Generator().manual_seed(12345)
        self.prefix = torch.randint(*alphabet, (16, 25), generator=g).repeat(1, 4)        # 25 tokens x 4
        self.prefix_short = torch.randint(*alphabet, (16, 8), generator=g).repeat(1, 4)    # 8 tokens x 4
        self.repeat = torch.randint(*alphabet, (16, n_ctx // 2), generator=g).repeat(1, 2)  # 64 tokens x 2
        self.held = {}
        for name, s in held_streams.items():
            starts = torch.randint(len(s) - n_ctx - 1, (16,), generator=g).tolist()
            self.held[name] = torch.stack([s[i:i + n_ctx + 1] for i in starts])

    @torch.no_grad()
    def run(self, model):
        out = OrderedDict()
        for name, w in self.held.items():
            out[f'loss/{name}'] = nn.functional.cross_entropy(model(w[:, :-1]).flatten(0, 1), w[:, 1:].flatten()).item()
        out['loss/held_out'] = sum(out[f'loss/{n}'] for n in self.held) / len(self.held)
        # prefix matching: attention from each token of repeats 2-4 to the token after its previous occurrence
        for key, seqs in (('', self.prefix), ('_short', self.prefix_short)):
            period = seqs.shape[1] // 4
            _, probs = model(seqs, attentions=True)
            t = torch.arange(period, 4 * period)
            best = (-1.0, None)
            for layer, p in enumerate(probs):
                per_head = p[:, :, t, t - period + 1].mean(dim=(0, 2))
                for head, v in enumerate(per_head.tolist()):
                    best = max(best, (v, f'{layer}.{head}'))
            out[f'prefix_matching{key}'], out[f'prefix_head{key}'] = round(best[0], 4), best[1]
            out[f'previous_token{key}'] = round(probs[0][:, :, t, t - 1].mean(dim=(0, 2)).max().item(), 4)
            # attention to the token after ANY earlier occurrence (older repeats too)
            after = torch.zeros(seqs.shape[0], seqs.shape[1], seqs.shape[1], dtype=torch.bool)
            after[:, :, 1:] = (seqs[:, :, None] == seqs[:, None, :-1]) & torch.ones(seqs.shape[1], seqs.shape[1] - 1, dtype=torch.bool).tril(-1)
            out[f'prefix_any{key}'] = round(max((p * after[:, None]).sum(-1)[:, :, period:].mean(dim=(0, 2)).max().item() for p in probs), 4)
        logits = model(self.repeat)
        lp = -torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, self.repeat[:, 1:, None])[..., 0]
        half = self.repeat.shape[1] // 2
        out['repeat_loss/first'] = lp[:, :half - 1].mean().item()   # predicting tokens 1..63
        out['repeat_loss/second'] = lp[:, half:].mean().item()      # predicting tokens 65..127
        return out


# ---------------------------------------------------------------- training and saving

def lr_at(step, r):
    if step < r['warmup']:
        return r['lr'] * (step + 1) / r['warmup']
    frac = (step - r['warmup']) / max(1, r['steps'] - r['warmup'])
    return r['lr'] * (r['min_lr_frac'] + (1 - r['min_lr_frac']) * 0.5 * (1 + math.cos(math.pi * frac)))


def save_checkpoint(model, cfg, tok_dir, folder, tok):
    os.makedirs(folder, exist_ok=True)
    sd = OrderedDict((k, v.detach().clone().half() if v.is_floating_point() else v.detach().clone())
                     for k, v in model.state_dict().items())
    sd['lm_head.weight'] = sd['transformer.wte.weight']  # one storage, as a tied save has
    torch.save(sd, os.path.join(folder, 'pytorch_model.bin'))
    write_json(os.path.join(folder, 'config.json'), hf_config(cfg, tok))
    for name in ('vocab.json', 'merges.txt'):
        with open(os.path.join(tok_dir, name), 'rb') as src, open(os.path.join(folder, name), 'wb') as dst:
            dst.write(src.read())
    special = OrderedDict(bos_token=EOS, eos_token=EOS, unk_token=EOS)
    write_json(os.path.join(folder, 'special_tokens_map.json'), special)
    write_json(os.path.join(folder, 'tokenizer_config.json'), OrderedDict(
        tokenizer_class='GPT2Tokenizer', model_max_length=cfg['n_positions'], add_prefix_space=False, **special))


def write_json(path, value):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(value, f, indent=1, ensure_ascii=False)
        f.write('\n')


def train_seed(seed, r, tok, tok_dir, data, probes, args):
    streams, udhr = data
    cfg = dict(vocab_size=len(tok.vocab), n_positions=r['n_positions'], n_embd=r['n_embd'], n_layer=r['n_layer'],
               n_head=r['n_head'], layer_norm_epsilon=1e-5)
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(cfg, r['wpe_init'], r['wpe_scale'])
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and 'wpe' not in n]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2 or 'wpe' in n]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': r['weight_decay']}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=r['lr'], betas=(0.9, 0.95), eps=1e-8)
    batches = Batches(streams, udhr, r, seed)
    log, t0, recent = [], time.time(), []
    run_dir = os.path.join(args.out, f'seed-{seed}')
    for step in range(r['steps'] + 1):
        probe_every = args.probe_every or r['probe_every']
        probe_now = step in r['save_steps'] or step % probe_every == 0 or step == r['steps']
        if probe_now:
            model.eval()
            row = OrderedDict(step=step, train_loss=round(sum(recent) / len(recent), 4) if recent else None)
            row.update((k, round(v, 4) if isinstance(v, float) else v) for k, v in probes.run(model).items())
            row['seconds'] = round(time.time() - t0, 1)
            recent = []
            log.append(row)
            print(f'seed {seed} ' + ' '.join(f'{k}={v}' for k, v in row.items()), flush=True)
            if step in r['save_steps'] and not args.no_save:
                save_checkpoint(model, cfg, tok_dir, os.path.join(run_dir, f'checkpoint-{step}'), tok)
            model.train()
        if step == r['steps']:
            break
        for group in opt.param_groups:
            group['lr'] = lr_at(step, r)
        loss = 0.0
        if r['batch']:
            x = batches.next(r['batch'])
            loss = nn.functional.cross_entropy(model(x[:, :-1]).flatten(0, 1), x[:, 1:].flatten())
        if r['synthetic_batch']:
            x, y = batches.synthetic(r['synthetic_batch'], r['synthetic_len'])
            loss = loss + nn.functional.cross_entropy(model(x[:, :-1]).flatten(0, 1), y.flatten(), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), r['clip'])
        opt.step()
        recent.append(loss.item())
    return log, time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seeds', type=int, nargs='+', help='seeds to train (default: the recipe\'s)')
    ap.add_argument('--out', default=os.path.join(DEMO, 'runs'), help='where seed-S/checkpoint-N/ go')
    ap.add_argument('--no-save', action='store_true', help='train and probe, write nothing')
    ap.add_argument('--probe-every', type=int, default=0, help="probe every N steps (default: the recipe's probe_every)")
    ap.add_argument('--set', nargs='*', default=[], metavar='KEY=JSON', help='override a recipe entry (search only)')
    args = ap.parse_args()
    torch.set_num_threads(1)  # reproducible, and leaves the other core to whoever shares the machine
    r = dict(RECIPE)
    for kv in args.set:
        k, v = kv.split('=', 1)
        if k not in r:
            sys.exit(f'unknown recipe entry {k}')
        r[k] = json.loads(v)
        if k == 'mix':
            r[k] = OrderedDict(r[k])
    r['save_steps'] = [s for s in r['save_steps'] if s <= r['steps']]
    tok, tok_dir = load_tokenizer(r['merges'])
    t0 = time.time()
    streams, udhr, held_streams, passages, _, _ = build_streams(tok)
    print(f'data: {", ".join(f"{k} {len(v)}" for k, v in streams.items())}, udhr {sum(len(v) for v in udhr.values())} tokens '
          f'({time.time() - t0:.1f}s)', flush=True)
    probes = Probes(held_streams, r['alphabet'], r['n_positions'])
    logs = OrderedDict()
    for seed in args.seeds or r['seeds']:
        log, seconds = train_seed(seed, r, tok, tok_dir, (streams, udhr), probes, args)
        logs[f'seed-{seed}'] = OrderedDict(seconds=round(seconds, 1), checkpoints=log)
    if not args.no_save:
        write_json(os.path.join(DEMO, 'data', 'passages.json'), passages)
        write_json(os.path.join(os.path.dirname(os.path.abspath(args.out)), 'training-log.json'), OrderedDict(
            recipe=OrderedDict((k, list(v) if isinstance(v, tuple) else v) for k, v in r.items()),
            torch=torch.__version__, runs=logs))


if __name__ == '__main__':
    main()
