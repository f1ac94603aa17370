-- An officer's grade (issue 12): 'senior' for a senior officer, who gives the countersignature the policy
-- reserves to one; NULL (standard) for everyone else. Set by administrators, audited by the application.
ALTER TABLE users ADD COLUMN grade TEXT;
