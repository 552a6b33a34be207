-- When a unit was closed (a village merged, a grid redrawn): it takes no
-- new cases and is no longer offered, and its cases and figures stay.
ALTER TABLE units ADD COLUMN closed_at {{time}};
