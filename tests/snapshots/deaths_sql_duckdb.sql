SELECT v.region AS raw, v.region_raw, r.code, r.valid_from, r.valid_to
        FROM (SELECT region, coalesce(nullif(trim(CAST(region AS VARCHAR)), ''), 'KZ-75') AS region_raw FROM
              (SELECT DISTINCT CAST(region AS VARCHAR) AS region FROM _src0)) v
        LEFT JOIN _region_lookup r ON r.key = v.region_raw
;

        WITH s AS (
            SELECT _row, 
                   nullif(trim(CAST(id AS VARCHAR)), '') AS id,
                   CAST(sex AS VARCHAR) AS sex_raw, CAST(region AS VARCHAR) AS region_text,
                   CAST(icd10 AS VARCHAR) AS icd_text,
                   CAST(death_date AS DATE) AS death_date, NULL AS e_death_fmt,
                   death_date IS NULL AS death_missing,
                   CASE WHEN regexp_matches(trim(CAST(birth_date AS VARCHAR)), '^\d{4}-\d{2}-\d{2}$') THEN try_cast(trim(CAST(birth_date AS VARCHAR)) AS DATE) END AS birth_date, CASE WHEN birth_date IS NULL OR trim(CAST(birth_date AS VARCHAR)) = '' THEN NULL WHEN NOT regexp_matches(trim(CAST(birth_date AS VARCHAR)), '^\d{4}-\d{2}-\d{2}$') THEN 'expected an ISO date YYYY-MM-DD' WHEN try_cast(trim(CAST(birth_date AS VARCHAR)) AS DATE) IS NULL THEN 'no such date on the calendar' END AS e_birth_date,
                   try_cast(trim(CAST(age AS VARCHAR)) AS INTEGER) AS age_given, CASE WHEN age IS NULL OR trim(CAST(age AS VARCHAR)) = '' OR lower(trim(CAST(age AS VARCHAR))) IN ('unknown', 'u') THEN NULL WHEN try_cast(trim(CAST(age AS VARCHAR)) AS INTEGER) IS NULL THEN 'expected completed years as a whole number' WHEN try_cast(trim(CAST(age AS VARCHAR)) AS INTEGER) < 0 OR try_cast(trim(CAST(age AS VARCHAR)) AS INTEGER) > 130 THEN 'expected an age from 0 to 130' END AS e_age_fmt,
                   coalesce(lower(trim(CAST(age AS VARCHAR))) IN ('unknown', 'u'), false) AS age_unknown
            FROM _src0
        ), c AS (
            SELECT s.*, vs.sex, vr.region_raw, vr.code AS region, vr.valid_from, vr.valid_to,
                   vr.rid, vi.cid, vi.icd10, vi.e_icd10,
                   CASE WHEN s.birth_date IS NOT NULL AND s.death_date IS NOT NULL
                             AND s.birth_date <= s.death_date
                        THEN (year(s.death_date) - year(s.birth_date) - CASE WHEN month(s.death_date) < month(s.birth_date) OR (month(s.death_date) = month(s.birth_date) AND day(s.death_date) < day(s.birth_date) AND s.death_date <> last_day(s.death_date)) THEN 1 ELSE 0 END) END AS age_from_dates
            FROM s
            LEFT JOIN _dv_sex vs ON vs.raw IS NOT DISTINCT FROM s.sex_raw
            LEFT JOIN _dv_region vr ON vr.raw IS NOT DISTINCT FROM s.region_text
            LEFT JOIN _dv_icd10 vi ON vi.raw IS NOT DISTINCT FROM s.icd_text
        )
        SELECT _row, id, sex, death_date, coalesce(age_from_dates, age_given) AS age,
               rid, cid,
               CASE WHEN id IS NULL THEN 'a record id is required'
                    WHEN regexp_matches(id, '[[:cntrl:]]')
                    THEN 'the record id contains a control character (such as NUL or a tab)'
                    END AS e_id,
               CASE WHEN sex IS NULL THEN 'expected female or male (also F, M, 2, 1), or '
                    || 'unknown (also U, 9) when the registration does not state it' END AS e_sex,
               CASE WHEN e_birth_date IS NOT NULL THEN e_birth_date
                    WHEN birth_date IS NOT NULL AND death_date IS NOT NULL AND birth_date > death_date
                    THEN 'birth_date is after death_date' END AS e_birth_date,
               CASE WHEN e_age_fmt IS NOT NULL THEN e_age_fmt
                    WHEN birth_date IS NULL AND e_birth_date IS NULL AND age_given IS NULL
                         AND NOT age_unknown
                    THEN 'give birth_date or age (completed years), or unknown when the '
                         || 'registration does not state it'
                    WHEN age_from_dates IS NOT NULL AND age_given IS NOT NULL
                         AND age_from_dates <> age_given
                    THEN 'age does not match birth_date and death_date ('
                         || CAST(age_from_dates AS VARCHAR) || ' completed years)'
                    WHEN age_from_dates > 130 THEN 'birth_date gives an age over 130'
               END AS e_age,
               CASE WHEN death_missing THEN 'a death_date is required'
                    WHEN e_death_fmt IS NOT NULL THEN e_death_fmt
                    WHEN death_date > DATE '2026-01-01' THEN 'death_date is in the future'
                    END AS e_death_date,
               CASE WHEN region_raw IS NULL THEN 'a region is required'
                    WHEN region IS NULL THEN 'unknown org unit: expected a code such as KZ-75'
                    WHEN death_date IS NOT NULL AND (death_date < valid_from OR death_date > valid_to)
                    THEN 'the region did not exist on the death_date (valid '
                         || coalesce(CAST(valid_from AS VARCHAR), '...') || ' to '
                         || coalesce(CAST(valid_to AS VARCHAR), 'today') || ')' END AS e_region,
               e_icd10
        FROM c
    
;

        WITH code AS (
            SELECT rid, year(death_date) AS year, sex, age, cid, count(*) AS n
            FROM _records
            WHERE age IS NOT NULL AND sex IN ('female', 'male')
            GROUP BY rid, year(death_date), sex, age, cid
        ), cat AS (
            SELECT dr.region AS region, c.year, c.sex, c.age, left(dc.icd10, 3) AS icd3,
                   sum(c.n) AS n
            FROM code c JOIN death_region dr ON dr.rid = c.rid JOIN death_code dc ON dc.cid = c.cid
            GROUP BY dr.region, c.year, c.sex, c.age, left(dc.icd10, 3)
        )
        SELECT c.region, c.year, c.sex, c.age, g.cause, CAST(sum(c.n) AS BIGINT) AS deaths
        FROM cat c JOIN cause_group_range g ON c.icd3 BETWEEN g.start3 AND g.end3
        GROUP BY c.region, c.year, c.sex, c.age, g.cause
    