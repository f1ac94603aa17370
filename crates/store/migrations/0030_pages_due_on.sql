-- The first day (YYYY-MM-DD, in the authority's calendar) on which an open case counts as overdue, so that the
-- officers' overdue queue is counted with one COUNT instead of reading every case: written by the application
-- with every change of a case and recomputed for every open case at start (the calendar and the time targets
-- are configuration). NULL: the case cannot become overdue without another change; '0000-01-01': its stopped
-- clock is already past the target.
ALTER TABLE records ADD COLUMN due_on TEXT;
CREATE INDEX records_kind_due ON records(kind, due_on);
