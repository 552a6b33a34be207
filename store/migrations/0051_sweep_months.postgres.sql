-- A report counts the sweeps of its months by unit. Over a province every
-- grid files one a month (15,600 grids, 183,000 sweeps in 2025): by the
-- index led by the unit, PostgreSQL 15 descends once for each unit that
-- sweeps (22,100 grids, villages and towns) and month, 265,000 times
-- (450-570 ms); by the months, with the grid and the disputes found beside
-- them, it reads the year as one range (65 ms). A county's year reads the
-- same range (33 ms, its 2,100 sweeps among them); a town's month, the
-- index led by the unit.
CREATE INDEX sweeps_month ON sweeps(month) INCLUDE (grid_id, disputes_found);
