"""Three demo articles, written for factcheck (not taken from any publication), and the claims,
sources and verdicts that give every screen something to show."""

ARTICLES = [
    {
        "title": "Riverside council approves €48 million tram extension",
        "url": "https://news.example.org/riverside/tram-extension",
        "publisher": "Riverside Courier",
        "author": "Zoë Ferrández",
        "published_at": "2026-10-14T08:30:00+00:00",
        "language": "en",
        "text": (
            "Riverside's city council voted 31 to 9 on Tuesday night to extend the tram line "
            "from Market Square to the university campus 🚋, a project the mayor called "
            '"the biggest investment in public transport in a generation."\n\n'
            "Mayor José Álvarez said the 6.2-kilometre extension would cost €48 million and "
            'carry 22,000 passengers a day by 2030. "Every tram takes eighty cars off the '
            'road," he told councillors. Dr. Hanne Økland, who chairs the transport '
            "committee, said construction would begin in spring and take about three years.\n\n"
            "Opposition councillor Rémi Duval argued that the city's bus network had lost 15% "
            "of its riders since 2019 and that the money would be better spent on buses. "
            "According to the council's own figures, bus ridership fell from 9.1 million trips "
            "in 2019 to 7.9 million in 2025, a drop of about 13%.\n\n"
            "The council said the extension would be paid for by a regional grant, a loan "
            "from the European Investment Bank and an increase in parking fees in the centre. "
            "Residents of Quai Sainte-Cécile, where two stops are planned, will be consulted "
            "in January."
        ),
    },
    {
        "title": "Heatwave pushes electricity demand to a record, grid operator says",
        "url": "https://news.example.org/energy/heatwave-demand-record",
        "publisher": "Northern Ledger",
        "author": "Amara Okafor",
        "published_at": "2026-08-02T16:05:00+00:00",
        "language": "en",
        "text": (
            "Electricity demand reached a record 61.4 gigawatts on Thursday afternoon as "
            "temperatures passed 38°C in much of the region, the grid operator announced.\n\n"
            "The previous record, 58.9 gigawatts, was set in the winter of 2021. A spokesperson "
            "for the operator said air conditioning accounted for roughly a third of the peak "
            'and that no customers lost power. "The system performed exactly as planned," '
            "she said.\n\n"
            "Solar panels supplied 41% of demand at midday, more than any other source, "
            "according to the operator's hourly data. Critics including the U.S.-based "
            "consultancy Brightline Inc. said the region still imports too much power at "
            "night, e.g. from coal plants across the border.\n\n"
            "Prof. Lena Šimková of the regional university said heatwaves were now three "
            "times as frequent as in the 1980s. She added that demand peaks would keep rising "
            "unless buildings were better insulated."
        ),
    },
    {
        "title": "Green tea exports to Japan climb for a third year",
        "url": "https://news.example.org/trade/green-tea-japan",
        "publisher": "Harbour Trade Weekly",
        "author": "Wei Zhang",
        "published_at": "2026-05-20T07:00:00+00:00",
        "language": "en",
        "text": (
            "Exports of green tea from the province to Japan rose 12% last year to 8,400 "
            "tonnes, the trade ministry reported, the third annual increase in a row.\n\n"
            "A ministry statement quoted a Japanese importer as saying: "
            "「日本の輸入量は昨年比で12％増えた。」 Local growers put the rise down to a "
            "new certification scheme. 新的认证制度让出口商更容易进入日本市场。\n\n"
            "Growers' association chair Nguyễn Thị Lan said prices had doubled since 2020 "
            "and that 70% of the province's tea farms now sell abroad. The ministry's figures "
            "show average export prices rising from $3.10 to $5.40 per kilogram over the same "
            "period, an increase of about 74%.\n\n"
            'Some farmers are less optimistic. "Half of our harvest went unsold in March," '
            "one grower said, asking not to be named 🍵."
        ),
    },
]

# quote (exact text), statement, claimant, article index
CLAIMS = [
    (
        0,
        "carry 22,000 passengers a day by 2030",
        "The tram extension will carry 22,000 passengers a day by 2030.",
        "José Álvarez",
    ),
    (
        0,
        "the city's bus network had lost 15% of its riders since 2019",
        "Riverside's bus network has lost 15% of its riders since 2019.",
        "Rémi Duval",
    ),
    (
        0,
        "Every tram takes eighty cars off the road",
        "Every tram takes eighty cars off the road.",
        "José Álvarez",
    ),
    (
        0,
        "the 6.2-kilometre extension would cost €48 million",
        "The tram extension will cost €48 million.",
        "José Álvarez",
    ),
    (
        1,
        "Electricity demand reached a record 61.4 gigawatts on Thursday afternoon",
        "Electricity demand reached a record 61.4 GW.",
        "Grid operator",
    ),
    (
        1,
        "Solar panels supplied 41% of demand at midday, more than any other source",
        "Solar supplied 41% of midday demand, more than any other source.",
        "Grid operator",
    ),
    (
        1,
        "heatwaves were now three times as frequent as in the 1980s",
        "Heatwaves are three times as frequent as in the 1980s.",
        "Lena Šimková",
    ),
    (
        2,
        "Exports of green tea from the province to Japan rose 12% last year to 8,400 tonnes",
        "Green tea exports to Japan rose 12% to 8,400 tonnes.",
        "Trade ministry",
    ),
    (
        2,
        "日本の輸入量は昨年比で12％増えた。",
        "Japan's imports rose 12% year on year.",
        "Japanese importer",
    ),
    (
        2,
        "prices had doubled since 2020",
        "Green tea prices have doubled since 2020.",
        "Nguyễn Thị Lan",
    ),
    (
        2,
        "Half of our harvest went unsold in March",
        "Half of one grower's harvest went unsold in March.",
        "Anonymous grower",
    ),
]
