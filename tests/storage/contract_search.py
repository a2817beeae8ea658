class SearchContract:
    pass
