/* models: locks/cbo_mcs.c sha256: cc6842dbf6dd99cd1fd674371614a0b5b381c5ae37f713c7bebfcce9b0369756 */
/* cbo_mcs.pml — C-BO-MCS, the cohort lock of locks/cbo_mcs.c: a global test-and-set word over
 * one MCS queue per cluster.
 *
 * Processes 0 .. N-2 are in cluster 0, process N-1 in cluster 1 (as cna.pml and hmcs.pml).
 * State: `global` (0 free, 1 held); per cluster c: ltail[c] (its local MCS queue, NIL for NULL);
 * per process (its node): nxt[i], status[i] = WAIT (0), 1..T (consecutive local passes so far)
 * or TG (TAKE_GLOBAL).
 * lock():    node_reset: store(nxt[me], NIL); store(status[me], WAIT);
 *            pred = exchange(ltail[c], me);
 *            if pred != NIL: store(nxt[pred], me); spin until s = load(status[me]) != WAIT;
 *              if s != TG: hold (passed with the global lock);
 *            store(status[me], 1); global_acquire: until load(global) == 0 and
 *              exchange(global, 1) == 0 (back-off between tries).
 * trylock(): if load(ltail[c]) != NIL or load(global) != 0: -EBUSY; node_reset;
 *            compare_exchange(ltail[c], NIL -> me), else -EBUSY;
 *            global_try (load == 0, then exchange), else local_release and -EBUSY;
 *            store(status[me], 1).
 * unlock():  (-EPERM check: a private flag, always passes here: only holders unlock)
 *            count = load(status[me]); if count < T: next = load(nxt[me]);
 *              if next != NIL: store(status[next], count + 1); return;
 *            store(global, 0);
 *            local_release: next = load(nxt[me]); if NIL: compare_exchange(ltail[c], me -> NIL)
 *              returns on success, else spin until next = load(nxt[me]) != NIL;
 *              store(status[next], TG).
 * Each round a process calls lock(), or, with TRYLOCK, lock() or trylock() (a failed trylock
 * ends the round). timedlock() polls trylock() (locks/deadline.h): TRYLOCK covers it.
 * Abstractions: node addresses are pids; T stands for COHORT_BOUND (64 in the C file, 2 by
 * default here: the protocol does not depend on its value); the back-off is a delay, a stutter
 * in an interleaving model, so it is left out; a local spin loop is a blocking guard on its exit
 * condition, which once true stays true until the spinner moves. The global loop is the C loop
 * (a load, then the exchange, retried), not a guard: the starvation claims are shown to FAIL,
 * and the cycle spin finds must be one in which the loser keeps running (weak fairness) and
 * keeps reading 1, as it can in C; a blocking guard would let it merely never be scheduled.
 * With ROUNDS (the end check) the test is a blocking guard `global == 0`: `timeout` needs a
 * state in which nothing can move, and a loop that only reads can always move. The guard drops
 * only the loop's failed reads, which change nothing but a local, so the same lock states are
 * reachable, and a state in which every process is blocked is one in which the C threads would
 * spin for ever: a lost handoff.
 *
 * Checked: mutual exclusion; the tenure bound the C file states (a global tenure, from the
 * global lock's exchange to its release, has at most T holders: T - 1 local passes; ghost
 * `tenure`, assertion tenure <= T); with ROUNDS, no lost handoff (everyone finishes, the global
 * word and both local queues end free: the `finished` assertion). Shown NOT to hold, as
 * cbo_mcs.c says (cluster_bound = 0, no bound stated): a cluster bound (the cna.pml form with
 * CLAIM_BOUND = T - 1: consecutive entries within a cluster while a process of the other cluster
 * tries the global lock, at most CLAIM_BOUND + 1) and starvation freedom of the remote process.
 * BROKEN == 1: unlock passes locally whenever a successor has linked, ignoring the bound (the
 *   tenure assertion).
 * BROKEN == 2: unlock never frees the global word (it still tells the local successor to take
 *   it): that successor, or the other cluster, spins for ever (the `finished` assertion).
 * BROKEN == 3: a waiter told to take the global lock takes TAKE_GLOBAL for a pass and enters
 *   without it, beside the other cluster (mutual exclusion).
 */
#include "common.pml"

#ifndef T
#define T 2
#endif
#define NIL 255
#define WAIT 0
#define TG 15
#define CL(p) ((p) == N - 1)

bool global;
byte ltail[2] = NIL;
byte nxt[N];
byte status[N];
byte tenure;          /* ghost: holders in this global tenure so far */
#ifdef CLAIM_BOUND
bool gq[N];           /* ghost: trying the global lock, not yet entered */
byte last_cl = 2, runlen;
#define REMOTE_GQ(me) ((gq[0] && CL(0) != CL(me)) || (gq[1] && CL(1) != CL(me)) \
		       || (N > 2 && gq[N - 1] && CL(N - 1) != CL(me)))
#define GQ(v) gq[_pid] = v
#else
#define GQ(v) skip
#endif
#ifdef ROUNDS
byte finished;
#endif

inline local_release()
{
	next = nxt[_pid];
	if
	:: next == NIL ->
		atomic {
			if
			:: ltail[c] == _pid -> ltail[c] = NIL; ok = 1
			:: else -> ok = 0
			fi
		};
		if
		:: ok -> goto released
		:: else -> atomic { nxt[_pid] != NIL -> next = nxt[_pid] }
		fi
	:: else
	fi;
	status[next] = TG
}

/* The exchange that takes the global word; a new tenure (ghost) in its step. */
inline global_exchange()
{
	atomic { g = global; global = 1; if :: g == 0 -> tenure = 0 :: else fi }
}

/* The test-and-test-and-set loop (back-off left out). */
inline global_acquire()
{
	do
#ifdef ROUNDS
	/* The test as a blocking guard, so that the end check's `timeout` can fire: see the
	 * header. */
	:: global == 0 ->
		global_exchange();
		if
		:: g == 0 -> break
		:: else
		fi
#else
	:: g = global;
		if
		:: g == 0 ->
			global_exchange();
			if
			:: g == 0 -> break
			:: else
			fi
		:: else
		fi
#endif
	od
}

active [N] proctype P()
{
	byte pred, next, s, c = CL(_pid);
	bool ok, g;
#ifdef ROUNDS
	byte round;
#endif
	do
#ifdef ROUNDS
	:: round == ROUNDS -> break
	:: round < ROUNDS -> round++;
#else
	:: true ->
#endif
		if
		:: want[_pid] = 1;
			nxt[_pid] = NIL;
			status[_pid] = WAIT;
			atomic { pred = ltail[c]; ltail[c] = _pid };
			if
			:: pred != NIL ->
				nxt[pred] = _pid;
				atomic { status[_pid] != WAIT -> s = status[_pid] };
				if
#if BROKEN == 3
				:: true -> goto passed
#else
				:: s != TG -> goto passed
				:: else
#endif
				fi
			:: else
			fi;
			atomic { status[_pid] = 1; GQ(1) };
			global_acquire();
passed:
			ok = 1
#ifdef TRYLOCK
		:: true ->
			if
			:: ltail[c] != NIL || global != 0 -> ok = 0
			:: else ->
				nxt[_pid] = NIL;
				status[_pid] = WAIT;
				atomic {
					if
					:: ltail[c] == NIL -> ltail[c] = _pid; ok = 1
					:: else -> ok = 0
					fi
				};
				if
				:: ok ->
					g = global;
					if
					:: g == 0 ->
						global_exchange();
						ok = !g
					:: else -> ok = 0
					fi;
					if
					:: ok -> status[_pid] = 1
					:: else -> local_release()
					fi
				:: else
				fi
			fi
#endif
		fi;
		if
		:: ok ->
			d_step {
				tenure++;
				assert(tenure <= T);
#ifdef CLAIM_BOUND
				if
				:: last_cl == CL(_pid) && REMOTE_GQ(_pid) -> runlen++
				:: else -> runlen = 0
				fi;
				assert(runlen <= CLAIM_BOUND + 1);
				last_cl = CL(_pid);
				gq[_pid] = 0
#endif
			};
			critical_section();
			/* unlock */
			s = status[_pid];
#if BROKEN == 1
			if
			:: true ->
#else
			if
			:: s < T ->
#endif
				next = nxt[_pid];
				if
				:: next != NIL -> status[next] = s + 1; goto released
				:: else
				fi
			:: else
			fi;
#if BROKEN != 2
			global = 0;
#endif
			local_release()
		:: else
		fi;
released:
		atomic { pred = NIL; next = NIL; s = 0; ok = 0; g = 0 }
	od
#ifdef ROUNDS
	; finished++
#endif
}

#ifdef ROUNDS
/* No lost handoff: when nothing can move, everyone has finished and the lock is free. */
active proctype end_check()
{
	timeout ->
	assert(finished == N && global == 0 && ltail[0] == NIL && ltail[1] == NIL)
}
#endif
