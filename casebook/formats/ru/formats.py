# Russian dates: with a day the month is in the genitive, lower case ("14 февраля
# 2024 г.": `E`); without one, in the nominative ("ноябрь 2023 г."); a year alone
# "2023 г.", so every precision ends the same way. `F` is Django's capitalised
# nominative, right for a month standing alone (a table heading); a partial date
# in running text lower-cases it (cases.partial_dates).
DATE_FORMAT = "j E Y г."
DATETIME_FORMAT = "j E Y г. G:i"
YEAR_MONTH_FORMAT = "F Y г."
MONTH_DAY_FORMAT = "j E"
YEAR_FORMAT = "Y г."
