# Azerbaijani dates: "14 fevral 2024", "fevral 2024", "2024". Inside a date a
# month is written in lower case; `E` reads the "alt. month" names, which our
# catalog gives in lower case (casebook/formats/month_names.py), while `F`
# keeps Django's capitalised name for a month standing alone (a table heading).
# A partial date lower-cases its month itself (cases.partial_dates).
DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, G:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j E"
YEAR_FORMAT = "Y"
