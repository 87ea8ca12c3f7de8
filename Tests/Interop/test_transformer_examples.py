"""The reference counts of Examples/bert_base.yaml and Examples/llama_decoder.yaml: Hugging
Face's BertForSequenceClassification (bert-base-uncased, two labels) and LlamaForCausalLM
(LlamaConfig(), LLaMA-7B's shape) rebuilt module by module in torch.nn on the meta device
(transformers is not a dependency), whose parameter counts must equal the examples'
`expect: params`, which `netspec check` holds to NetSpec's own count."""

import re

import pytest
import torch
from torch import nn


def count(module):
    return sum(p.numel() for p in module.parameters())


def bert_for_sequence_classification(vocab=30522, hidden=768, layers=12, intermediate=3072, positions=512,
                                     types=2, labels=2):
    """BertModel's layout (embeddings, encoder layers, pooler) and the classifier."""
    def layer():
        return nn.ModuleDict(dict(
            query=nn.Linear(hidden, hidden), key=nn.Linear(hidden, hidden), value=nn.Linear(hidden, hidden),
            attention_output=nn.Linear(hidden, hidden), attention_norm=nn.LayerNorm(hidden, eps=1e-12),
            intermediate=nn.Linear(hidden, intermediate), output=nn.Linear(intermediate, hidden),
            output_norm=nn.LayerNorm(hidden, eps=1e-12)))

    bert = nn.ModuleDict(dict(
        word_embeddings=nn.Embedding(vocab, hidden, padding_idx=0), position_embeddings=nn.Embedding(positions, hidden),
        token_type_embeddings=nn.Embedding(types, hidden), embeddings_norm=nn.LayerNorm(hidden, eps=1e-12),
        encoder=nn.ModuleList([layer() for _ in range(layers)]), pooler=nn.Linear(hidden, hidden)))
    return bert, nn.Linear(hidden, labels)


def llama_for_causal_lm(vocab=32000, dim=4096, layers=32, hidden=11008, eps=1e-6):
    """LlamaModel's layout (embedding, decoder layers, final norm) and the untied LM head."""
    def layer():
        return nn.ModuleDict(dict(
            input_norm=nn.RMSNorm(dim, eps=eps), q_proj=nn.Linear(dim, dim, bias=False),
            k_proj=nn.Linear(dim, dim, bias=False), v_proj=nn.Linear(dim, dim, bias=False),
            o_proj=nn.Linear(dim, dim, bias=False), post_attention_norm=nn.RMSNorm(dim, eps=eps),
            gate_proj=nn.Linear(dim, hidden, bias=False), up_proj=nn.Linear(dim, hidden, bias=False),
            down_proj=nn.Linear(hidden, dim, bias=False)))

    return nn.ModuleDict(dict(
        embed_tokens=nn.Embedding(vocab, dim), layers=nn.ModuleList([layer() for _ in range(layers)]),
        norm=nn.RMSNorm(dim, eps=eps), lm_head=nn.Linear(dim, vocab, bias=False)))


def expected_params(repo, example):
    text = (repo / "Examples" / example).read_text()
    return int(re.search(r"^  params: (\d+)$", text, re.MULTILINE).group(1))


@pytest.fixture(autouse=True)
def meta_device():
    with torch.device("meta"):
        yield


def test_bert_base_count(netspec, repo):
    bert, classifier = bert_for_sequence_classification()
    assert count(bert) == 109_482_240  # BertModel(bert-base-uncased), with its pooler
    assert count(bert) + count(classifier) == expected_params(repo, "bert_base.yaml")
    netspec("check", "Examples/bert_base.yaml")


def test_llama_decoder_count(netspec, repo):
    assert count(llama_for_causal_lm()) == expected_params(repo, "llama_decoder.yaml") == 6_738_415_616
    netspec("check", "Examples/llama_decoder.yaml")
