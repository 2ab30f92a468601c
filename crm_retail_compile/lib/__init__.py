from . import data_quality
