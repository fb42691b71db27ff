SELECT v.region AS raw, v.region_raw, r.code, r.valid_from, r.valid_to
        FROM (SELECT region, coalesce(nullif(trim(CAST(region AS STRING)), ''), 'KZ-75') AS region_raw FROM
              (SELECT DISTINCT CAST(region AS STRING) AS region FROM _src0)) v
        LEFT JOIN _region_lookup r ON r.key = v.region_raw
;

        WITH s AS (
            SELECT _row, 
                   nullif(trim(CAST(id AS STRING)), '') AS id,
                   CAST(sex AS STRING) AS sex_raw, CAST(region AS STRING) AS region_text,
                   CAST(icd10 AS STRING) AS icd_text,
                   CAST(death_date AS DATE) AS death_date, NULL AS e_death_fmt,
                   death_date IS NULL AS death_missing,
                   CASE WHEN (trim(CAST(birth_date AS STRING)) RLIKE '^\\d{4}-\\d{2}-\\d{2}$') THEN CAST(trim(CAST(birth_date AS STRING)) AS DATE) END AS birth_date, CASE WHEN birth_date IS NULL OR trim(CAST(birth_date AS STRING)) = '' THEN NULL WHEN NOT (trim(CAST(birth_date AS STRING)) RLIKE '^\\d{4}-\\d{2}-\\d{2}$') THEN 'expected an ISO date YYYY-MM-DD' WHEN CAST(trim(CAST(birth_date AS STRING)) AS DATE) IS NULL THEN 'no such date on the calendar' END AS e_birth_date,
                   CASE WHEN (trim(CAST(age AS STRING)) RLIKE '^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$') THEN CAST(round(CAST(trim(CAST(age AS STRING)) AS DOUBLE)) AS INT) END AS age_given, CASE WHEN age IS NULL OR trim(CAST(age AS STRING)) = '' OR lower(trim(CAST(age AS STRING))) IN ('unknown', 'u') THEN NULL WHEN CASE WHEN (trim(CAST(age AS STRING)) RLIKE '^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$') THEN CAST(round(CAST(trim(CAST(age AS STRING)) AS DOUBLE)) AS INT) END IS NULL THEN 'expected completed years as a whole number' WHEN CASE WHEN (trim(CAST(age AS STRING)) RLIKE '^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$') THEN CAST(round(CAST(trim(CAST(age AS STRING)) AS DOUBLE)) AS INT) END < 0 OR CASE WHEN (trim(CAST(age AS STRING)) RLIKE '^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$') THEN CAST(round(CAST(trim(CAST(age AS STRING)) AS DOUBLE)) AS INT) END > 130 THEN 'expected an age from 0 to 130' END AS e_age_fmt,
                   coalesce(lower(trim(CAST(age AS STRING))) IN ('unknown', 'u'), false) AS age_unknown
            FROM _src0
        ), c AS (
            SELECT s.*, vs.sex, vr.region_raw, vr.code AS region, vr.valid_from, vr.valid_to,
                   vi.icd10, vi.e_icd10,
                   CASE WHEN s.birth_date IS NOT NULL AND s.death_date IS NOT NULL
                             AND s.birth_date <= s.death_date
                        THEN (year(s.death_date) - year(s.birth_date) - CASE WHEN month(s.death_date) < month(s.birth_date) OR (month(s.death_date) = month(s.birth_date) AND day(s.death_date) < day(s.birth_date) AND s.death_date <> last_day(s.death_date)) THEN 1 ELSE 0 END) END AS age_from_dates
            FROM s
            LEFT JOIN _dv_sex vs ON vs.raw IS NOT DISTINCT FROM s.sex_raw
            LEFT JOIN _dv_region vr ON vr.raw IS NOT DISTINCT FROM s.region_text
            LEFT JOIN _dv_icd10 vi ON vi.raw IS NOT DISTINCT FROM s.icd_text
        )
        SELECT _row, id, sex, death_date, coalesce(age_from_dates, age_given) AS age,
               region, icd10,
               CASE WHEN id IS NULL THEN 'a record id is required'
                    WHEN (id RLIKE '\\p{Cntrl}')
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
                         || CAST(age_from_dates AS STRING) || ' completed years)'
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
                         || coalesce(CAST(valid_from AS STRING), '...') || ' to '
                         || coalesce(CAST(valid_to AS STRING), 'today') || ')' END AS e_region,
               e_icd10
        FROM c
    
;

        WITH code AS (
            SELECT region, year(death_date) AS year, sex, age, icd10, count(*) AS n
            FROM _records
            WHERE age IS NOT NULL AND sex IN ('female', 'male')
            GROUP BY region, year(death_date), sex, age, icd10
        ), cat AS (
            SELECT c.region AS region, c.year, c.sex, c.age, left(c.icd10, 3) AS icd3,
                   sum(c.n) AS n
            FROM code c 
            GROUP BY c.region, c.year, c.sex, c.age, left(c.icd10, 3)
        )
        SELECT c.region, c.year, c.sex, c.age, g.cause, CAST(sum(c.n) AS BIGINT) AS deaths
        FROM cat c JOIN cause_group_range g ON c.icd3 BETWEEN g.start3 AND g.end3
        GROUP BY c.region, c.year, c.sex, c.age, g.cause
    