"""Coverage rules without the database: which target applies, the gap in people,
neutralised cells, and the Vietnamese order of provinces with equal shares."""



from training.coverage import targets as cov


def test_the_most_specific_target_applies():
    targets = [
        {"province": None, "staff_category": None, "level": None, "year": 2025, "target_share": 0.3, "note": "QĐ 112"},
        {"province": 7, "staff_category": None, "level": "refresher", "year": 2026, "target_share": 1.0, "note": "p"},
        {"province": 7, "staff_category": "collaborator", "level": None, "year": 2030, "target_share": 0.8,
         "note": "c"},
        {"province": None, "staff_category": None, "level": None, "year": 2030, "target_share": 0.5, "note": "2030"},
    ]
    assert cov.applicable_target(targets, 7, None, None, 2025)["note"] == "QĐ 112"
    assert cov.applicable_target(targets, 7, None, None, 2026)["note"] == "2030"  # the next milestone
    assert cov.applicable_target(targets, 7, None, None, 2031)["note"] == "2030"  # a missed target stays
    assert cov.applicable_target(targets, 7, "collaborator", None, 2025)["note"] == "c"
    assert cov.applicable_target(targets, 8, "collaborator", None, 2025)["note"] == "QĐ 112"
    assert cov.applicable_target(targets, 7, None, "refresher", 2026)["note"] == "p"
    assert cov.applicable_target(targets, 8, None, "refresher", 2026) is None  # levels match exactly


def test_gap_in_people():
    assert cov.gap_people(0.3, 1000, 268) == 32  # "32 more collaborators to reach 30%"
    assert cov.gap_people(0.3, 10, 3) == 0
    assert cov.gap_people(0.3, 11, 3) == 1  # 3.3 people round up
    assert cov.gap_people(None, 10, 0) is None


def test_neutralise():
    from training.spreadsheets.writer import neutralise

    for text in ("=1+1", "+84 912", "-5", "@SUM(A1)"):
        assert neutralise(text) == "'" + text
    assert neutralise("Khánh Hòa") == "Khánh Hòa" and neutralise(-5) == -5


def test_provinces_with_equal_shares_are_sorted_the_vietnamese_way():
    from training.core.collation import vi_sort_key

    names = ["Đồng Tháp", "Điện Biên", "Đà Nẵng", "Cao Bằng", "Cà Mau", "Cần Thơ", "Gia Lai", "Hưng Yên", "Huế"]
    assert sorted(names, key=vi_sort_key) == ["Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Điện Biên", "Đồng Tháp",
                                              "Gia Lai", "Huế", "Hưng Yên"]
