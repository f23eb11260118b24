"""Evaluates the new model's random weights, which a model about to be loaded never needs."""


def make_model(in_dims, hidden_dims, out_dims):
    model = nn.Sequential(
        nn.Linear(in_dims, hidden_dims), nn.ReLU(), nn.Linear(hidden_dims, out_dims)
    )
    mx.eval(model.parameters())
    return model
