-- An agreement says what it settles (subject): '' for the parties' civil
-- rights and obligations, which courts confirm (司法确认); 'status' for a
-- relation of status itself (婚姻、亲子、收养), and 'title' for the
-- ownership of property or intellectual property (确权), which they do not
-- (法释〔2011〕5号 Art. 4; 民诉法解释 Art. 355). The case keeps its latest
-- agreement's, beside its kind, for the actions it offers.
ALTER TABLE agreements ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN agreement_subject TEXT NOT NULL DEFAULT '';
-- Earlier versions offered no confirmation to any agreement of a marriage
-- and family dispute; what those agreements settled was not recorded, so
-- they keep that answer.
UPDATE agreements SET subject = 'status' WHERE case_id IN (SELECT id FROM cases WHERE category = '婚姻家庭');
UPDATE cases SET agreement_subject = 'status' WHERE category = '婚姻家庭' AND agreement_kind <> '';
