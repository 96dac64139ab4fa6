"""Hardware profiles: a function from a pruned network (its keep counts, or the network itself)
to latency, plus the precision that memory is counted at. Each is a class with its own
parameters, named by its preset in conf/hardware/ and built with
`hamp_bench.components.build(cfg.hardware, "hardware")`:

- `macs` (macs.MacsProxy): MACs as a stand-in (named macs_M, never called a latency);
- `table` (table_profile.TableProfile): a latency table with its manifest (`hardware.path`),
  recorded or modelled;
- `jetson_nano` (table_profile.JetsonNanoProfile): the shipped, modelled Jetson Nano tables;
- `live` (live.LiveProfile): every candidate timed on this machine.

These modules import without torch: their schemas are read at every command-line start.
"""

from __future__ import annotations

from hamp_bench.problems.hardware.base import HardwareProfile

__all__ = ["HardwareProfile"]
