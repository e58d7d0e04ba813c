"""main ends with sys.exit(STATUS) after running tasks on every node: status 0 ends the job
cleanly on every rank (each says so after start), another status stops every rank with it."""

import sys

import torcpy


def node():
    return torcpy.node_id()


def main(status):
    ran = {t.result() for t in [torcpy.submit(node, qid=w) for w in range(torcpy.num_workers())]}
    assert ran == set(range(torcpy.num_nodes())), ran
    print(f"exit_status: leaving main with {status}", flush=True)
    sys.exit(status)


if __name__ == "__main__":
    STATUS = int(sys.argv[1])
    torcpy.start(lambda: main(STATUS))
    print(f"exit_status: rank {torcpy.node_id()} after start", flush=True)
