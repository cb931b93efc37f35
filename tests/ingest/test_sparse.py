from ingest.sparse import document_vector, query_vector, term_index
from kunskap.analysis import analyze


def test_document_vector_saturates_repeated_terms() -> None:
    indices, values = document_vector("barn barn barn barn barn familjehem")
    weights = dict(zip(indices, values, strict=True))
    barn, familjehem = term_index(analyze("barn")[0]), term_index(analyze("familjehem")[0])
    assert weights[barn] > weights[familjehem]
    # BM25 saturation: five occurrences weigh far less than five times one.
    assert weights[barn] < 3 * weights[familjehem]


def test_query_vector_has_unit_weights_and_sorted_unique_indices() -> None:
    indices, values = query_vector("LVU LVU omhändertagande")
    assert indices == sorted(set(indices))
    assert set(values) == {1.0}
    assert len(indices) == 2


def test_empty_text_gives_empty_vectors() -> None:
    assert document_vector("") == ([], [])
    assert query_vector("och i på") == ([], [])
