"""Builds in PyTorch the layers of the course's Vae.Mlp(12, [5], 3), saves its state_dict with torch.save, and
writes its outputs for fixed inputs as JSON.

Usage: save_state_dict.py <state dict .pt> <outputs .json>. The attribute names are those the course gives its
parameters (Encoder.body.0.weight, Encoder.mu.weight, Decoder.net.2.bias, ...), so the course loads the file with
Checkpoint.LoadPyTorch. The JSON holds the inputs x and z and the encoder's mu and logVar for x and the decoder's
output (logits) for z, each flattened, with their shapes.
"""
import json
import sys

import torch
from torch import nn

INPUT, HIDDEN, LATENT = 12, 5, 3


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(INPUT, HIDDEN), nn.ReLU())
        self.mu = nn.Linear(HIDDEN, LATENT)
        self.logVar = nn.Linear(HIDDEN, LATENT)

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), self.logVar(h)


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.Encoder = Encoder()
        self.Decoder = nn.Module()
        self.Decoder.net = nn.Sequential(nn.Linear(LATENT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, INPUT))


torch.manual_seed(7)
model = Vae().eval()
x = torch.rand(4, INPUT)
z = torch.randn(4, LATENT)
with torch.no_grad():
    mu, log_var = model.Encoder(x)
    logits = model.Decoder.net(z)
torch.save(model.state_dict(), sys.argv[1])


def flat(t):
    return {"shape": list(t.shape), "values": t.flatten().tolist()}


with open(sys.argv[2], "w") as f:
    json.dump({"x": flat(x), "z": flat(z), "mu": flat(mu), "logVar": flat(log_var), "decoded": flat(logits)}, f)
