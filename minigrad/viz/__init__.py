"""See backprop: record values, trace a backward step by step, draw the graph.

``record()`` keeps every node's output value; ``trace_backward(loss)`` runs the backward
through the engine's own loop and keeps each step (the node, the gradient it received, the
rule from its docstring, the gradients it sent); ``draw_graph`` draws a graph or a trace
with the ``graphviz`` package (imported only when drawing); ``derivative`` gives f'(x) of
an activation from its own backward.

Examples
--------
>>> import minigrad as mg
>>> from minigrad import nn
>>> mg.manual_seed(0)
>>> model = nn.Sequential(nn.Dense(2, 2), nn.Tanh(), nn.Dense(2, 1))
>>> with mg.viz.record():
...     loss = nn.MSELoss()(model(mg.Tensor([[1.0, -1.0]])), [[0.5]])
>>> trace = mg.viz.trace_backward(loss, params=dict(model.named_parameters()))
>>> [step.label for step in trace.steps][:2]
["MSELoss(reduction='mean')", 'Dense(in_features=2, out_features=1, bias=True)']
"""

from minigrad.viz.derivative import derivative
from minigrad.viz.graph import draw_graph, render
from minigrad.viz.record import record
from minigrad.viz.rules import derivative_rule
from minigrad.viz.trace import BackwardTrace, Step, trace_backward

__all__ = ["BackwardTrace", "Step", "derivative", "derivative_rule", "draw_graph", "record",
           "render", "trace_backward"]
