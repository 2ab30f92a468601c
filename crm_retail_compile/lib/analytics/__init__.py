"""Pure-Python customer analytics (numpy/scipy, no ORM, no database).

``rfm``: recency/frequency/monetary scores, segments and age bands.
``btyd``: the BG/NBD and Gamma-Gamma "buy till you die" models.
``evaluation``: calibration/holdout evaluation against a naive baseline.
``affinity``: category co-purchase rules (support, confidence, lift).
``online``: category preferences scored from online behaviour.
``rfm_sql``: the same segment rules and age bands as SQL (``odoo.tools.SQL``,
not imported here: the models import it, the benchmarks need no Odoo).

The Odoo models are thin adapters: they read the aggregated arrays from the
database with one query and write the results back with one statement.
"""

from . import affinity
from . import btyd
from . import evaluation
from . import online
from . import rfm
