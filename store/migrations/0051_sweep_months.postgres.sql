-- A report counts the sweeps of its months by unit. Over a province every
-- grid files one a month (18,200 grids, 183,000 sweeps in 2025): by the
-- index led by the grid, PostgreSQL 15 descends once for each grid and
-- month, 265,000 times (450-570 ms); by the months, with the grid and the
-- disputes found beside them, it reads one range a month (65 ms). A town's
-- report, with a few grids, still reads the grid's index.
CREATE INDEX sweeps_month ON sweeps(month) INCLUDE (grid_id, disputes_found);
