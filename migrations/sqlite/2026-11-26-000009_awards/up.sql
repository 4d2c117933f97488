-- Innovation awards (创新奖励): one fund per year, awards to towns/streets or villages/communities,
-- and the on-site promotion meetings (现场推进会). Amounts in fen.

CREATE TABLE award_funds (
    id INTEGER PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL UNIQUE,
    budget BIGINT NOT NULL CHECK (budget > 0),
    -- The awards' running total, raised by one conditional UPDATE per award: the check and the
    -- write are one statement, and this CHECK is the last line should any code forget it.
    awarded BIGINT NOT NULL DEFAULT 0 CHECK (awarded >= 0 AND awarded <= budget),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    published_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE awards (
    id INTEGER PRIMARY KEY NOT NULL,
    fund_id BIGINT NOT NULL REFERENCES award_funds(id),
    region_code TEXT NOT NULL REFERENCES regions(code),
    title TEXT NOT NULL,
    citation TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 2000000 AND amount <= 5000000),
    -- Why a region already awarded from this fund gets a second award.
    repeat_reason TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX awards_fund ON awards(fund_id, region_code);

CREATE TABLE promotion_meetings (
    id INTEGER PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL,
    held_on DATE NOT NULL,
    place TEXT NOT NULL,
    host_region_code TEXT NOT NULL REFERENCES regions(code),
    agenda TEXT NOT NULL,
    attendees INTEGER NOT NULL CHECK (attendees >= 0),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX promotion_meetings_year ON promotion_meetings(year, held_on);

-- What a meeting showcased: awards and funded projects.
CREATE TABLE meeting_showcases (
    meeting_id BIGINT NOT NULL REFERENCES promotion_meetings(id),
    award_id BIGINT REFERENCES awards(id),
    project_id BIGINT REFERENCES projects(id),
    CHECK ((award_id IS NULL) <> (project_id IS NULL))
);
CREATE INDEX meeting_showcases_meeting ON meeting_showcases(meeting_id);
