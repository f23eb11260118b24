"""Returns the gradient of the mean loss over the batch (one gradient, the average) instead of one
gradient per example."""


def per_example_grads(loss, params, xs, ys):
    def batch_loss(p):
        return mx.mean(mx.vmap(loss, in_axes=(None, 0, 0))(p, xs, ys))

    return mx.grad(batch_loss)(params)
