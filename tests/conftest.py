import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))


@pytest.fixture(scope="session", autouse=True)
def private_debug_cache(tmp_path_factory):
    """pmdb's cache of inflated debug files lives in a folder of this test
    session, not in the user's ~/.cache: every run starts cold."""
    os.environ["PMDB_CACHE_DIR"] = str(tmp_path_factory.mktemp("pmdb-cache"))
    yield


@pytest.fixture(scope="module")
def lists():
    """The linked_list crash program's core (walker, whatis, nm, dmod tests)."""
    import cores
    return cores.make_core("linked_list")


@pytest.fixture(scope="module")
def nullread():
    import cores
    return cores.make_core("null_read")
