"""Per-example gradients with the shared parameters closed over instead of in_axes=None; columns
mapped as the rows of the transpose; the target's gradient stopped at the prediction only (y has
no gradient anyway)."""


def per_example_grads(loss, params, xs, ys):
    def one(x, y):
        return mx.grad(loss)(params, x, y)

    return mx.vmap(one)(xs, ys)


def map_columns(f, m):
    return mx.vmap(f)(m.T).T


def target_loss(w, x, y):
    p = w * x
    t = (y + mx.stop_gradient(p)) / 2
    return mx.mean(mx.square(p - t))
