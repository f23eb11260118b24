"""A model class of its own (two layers in a list, nn.relu between them), the optimizer applied
through apply_gradients and model.update, and one mx.eval of a list."""


class TwoLayers(nn.Module):
    def __init__(self, in_dims, hidden_dims, out_dims):
        super().__init__()
        self.layers = [nn.Linear(in_dims, hidden_dims), nn.Linear(hidden_dims, out_dims)]

    def __call__(self, x):
        return self.layers[1](nn.relu(self.layers[0](x)))


def make_model(in_dims, hidden_dims, out_dims):
    return TwoLayers(in_dims, hidden_dims, out_dims)


def train_step(model, optimizer, x, y):
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    model.update(optimizer.apply_gradients(grads, model))
    mx.eval([loss, model.parameters(), optimizer.state])
    return loss
