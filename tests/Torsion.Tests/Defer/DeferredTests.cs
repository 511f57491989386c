using Torsion.Defer;
using Torsion.Testing;

namespace Torsion.Tests.Defer;

public sealed class DeferredTests
{
    [Fact]
    public void Callback_runs_callbacks_in_order_with_each_result()
    {
        var seen = new List<string>();
        var d = new Deferred<int>();
        d.AddCallback(x => { seen.Add($"a{x}"); return x + 1; })
         .AddCallback(x => { seen.Add($"b{x}"); return x * 10; })
         .AddCallback(x => seen.Add($"c{x}"));
        Assert.Empty(seen);
        d.Callback(1);
        Assert.Equal(["a1", "b2", "c20"], seen);
        Assert.True(d.Called);
    }

    [Fact]
    public void Callbacks_added_after_firing_run_at_once()
    {
        var d = Deferred.Succeed(5);
        var seen = 0;
        d.AddCallback(x => x * 2).AddCallback(x => seen = x);
        Assert.Equal(10, seen);
    }

    [Fact]
    public void Second_callback_throws_AlreadyCalledException()
    {
        var d = new Deferred<int>();
        d.Callback(1);
        var error = Assert.Throws<AlreadyCalledException>(() => d.Callback(2));
        Assert.Contains("Deferred<int>", error.Message);
        Assert.Contains("already fired", error.Message);
    }

    [Fact]
    public void Errback_after_callback_throws_AlreadyCalledException()
    {
        var d = new Deferred<int>();
        d.Callback(1);
        Assert.Throws<AlreadyCalledException>(() => d.Errback(new InvalidOperationException("x")));
    }

    [Fact]
    public void Callback_after_errback_throws_AlreadyCalledException()
    {
        var d = new Deferred<int>();
        d.AddErrback(_ => 0);
        d.Errback(new InvalidOperationException("x"));
        Assert.Throws<AlreadyCalledException>(() => d.Callback(1));
    }

    [Fact]
    public void Called_is_false_until_fired()
    {
        var d = new Deferred<string>();
        Assert.False(d.Called);
        d.Callback("x");
        Assert.True(d.Called);
    }

    [Fact]
    public void Thrown_exception_moves_chain_to_errback_path()
    {
        var d = new Deferred<int>();
        var skipped = false;
        Exception? caught = null;
        d.AddCallback(new Func<int, int>(_ => throw new FormatException("bad")))
         .AddCallback(x => { skipped = true; return x; })
         .AddErrback(e => { caught = e; return -1; });
        d.Callback(1);
        Assert.False(skipped);
        Assert.IsType<FormatException>(caught);
    }

    [Fact]
    public void Errback_returning_a_value_moves_chain_back_to_callbacks()
    {
        var d = new Deferred<int>();
        var result = 0;
        d.AddErrback(_ => 42).AddCallback(x => result = x);
        d.Errback(new InvalidOperationException("boom"));
        Assert.Equal(42, result);
    }

    [Fact]
    public void Errbacks_are_skipped_on_success()
    {
        var d = new Deferred<int>();
        var errbackRan = false;
        var result = 0;
        d.AddErrback(_ => { errbackRan = true; return 0; }).AddCallback(x => result = x);
        d.Callback(7);
        Assert.False(errbackRan);
        Assert.Equal(7, result);
    }

    [Fact]
    public void Errback_that_throws_keeps_the_chain_failed_with_the_new_error()
    {
        var d = new Deferred<int>();
        Exception? last = null;
        d.AddErrback(new Func<Exception, int>(e => throw new ArgumentException("second", e)))
         .AddErrback(e => { last = e; return 0; });
        d.Errback(new InvalidOperationException("first"));
        Assert.Equal("second", last!.Message);
        Assert.IsType<InvalidOperationException>(last.InnerException);
    }

    [Fact]
    public void Typed_errback_handles_only_its_exception_type()
    {
        var d = new Deferred<int>();
        var typedRan = false;
        Exception? passed = null;
        d.AddErrback((ArgumentException _) => { typedRan = true; return 1; })
         .AddErrback(e => { passed = e; return 2; });
        d.Errback(new FormatException("not an argument problem"));
        Assert.False(typedRan);
        Assert.IsType<FormatException>(passed);

        var d2 = new Deferred<int>();
        var result = 0;
        d2.AddErrback((ArgumentException _) => 5).AddCallback(x => result = x);
        d2.Errback(new ArgumentNullException("p"));
        Assert.Equal(5, result);
    }

    [Fact]
    public void AddCallbacks_runs_exactly_one_of_the_pair()
    {
        var log = new List<string>();
        var d = new Deferred<int>();
        d.AddCallbacks(x => { log.Add("cb"); throw new InvalidOperationException(); }, e => { log.Add("eb-same-step"); return 0; })
         .AddCallbacks(x => { log.Add("cb2"); return x; }, e => { log.Add("eb2"); return 3; })
         .AddCallback(x => log.Add($"v{x}"));
        d.Callback(1);
        Assert.Equal(["cb", "eb2", "v3"], log);
    }

    [Fact]
    public void AddBoth_sees_value_and_failure()
    {
        var results = new List<DeferredResult<int>>();
        var ok = new Deferred<int>();
        ok.AddBoth(r => results.Add(r));
        ok.Callback(3);
        var bad = new Deferred<int>();
        var error = new InvalidOperationException("x");
        bad.AddBoth(r => results.Add(r)).AddErrback(_ => 0);
        bad.Errback(error);
        Assert.Equal(new DeferredResult<int>(true, 3, null), results[0]);
        Assert.Equal(new DeferredResult<int>(false, 0, error), results[1]);
    }

    [Fact]
    public void AddBoth_action_passes_failure_through()
    {
        var d = new Deferred<int>();
        Exception? seen = null;
        d.AddBoth(_ => { }).AddErrback(e => { seen = e; return 0; });
        d.Errback(new TimeoutException("t"));
        Assert.IsType<TimeoutException>(seen);
    }

    [Fact]
    public void AddBoth_function_turns_failure_into_value()
    {
        var d = new Deferred<int>();
        var result = 0;
        d.AddBoth(r => r.Success ? r.Value : -1).AddCallback(x => result = x);
        d.Errback(new InvalidOperationException());
        Assert.Equal(-1, result);
    }

    [Fact]
    public void Type_changing_callback_returns_a_view_of_the_same_chain()
    {
        var d = new Deferred<int>();
        Deferred<string> s = d.AddCallback(x => $"n={x}");
        string? result = null;
        s.AddCallback(v => result = v);
        Assert.False(s.Called);
        d.Callback(4);
        Assert.True(s.Called);
        Assert.Equal("n=4", result);
    }

    [Fact]
    public void Adding_to_the_old_handle_after_a_type_change_throws_naming_the_new_type()
    {
        var d = new Deferred<int>();
        d.AddCallback(x => x.ToString());
        var error = Assert.Throws<InvalidOperationException>(() => d.AddCallback(x => x + 1));
        Assert.Contains("Deferred<string>", error.Message);
    }

    [Fact]
    public void Type_change_back_and_forth_keeps_values()
    {
        var d = new Deferred<int>();
        var result = 0.0;
        d.AddCallback(x => x.ToString()).AddCallback(s => s + "5").AddCallback(double.Parse).AddCallback(v => result = v);
        d.Callback(2);
        Assert.Equal(25.0, result);
    }

    [Fact]
    public void Cancel_and_Called_work_through_a_typed_view()
    {
        var d = new Deferred<int>();
        var view = d.AddCallback(x => x.ToString());
        Exception? error = null;
        view.AddErrback(e => { error = e; return ""; });
        view.Cancel();
        Assert.True(d.Called);
        Assert.True(view.Called);
        Assert.IsType<CancelledException>(error);
    }

    [Fact]
    public void Callback_on_a_typed_view_throws()
    {
        var view = new Deferred<int>().AddCallback(x => x.ToString());
        var error = Assert.Throws<InvalidOperationException>(() => view.Callback("x"));
        Assert.Contains("view", error.Message);
    }

    [Fact]
    public void Callback_returning_a_Deferred_pauses_the_chain_until_it_fires()
    {
        var inner = new Deferred<int>();
        var outer = new Deferred<int>();
        var result = 0;
        outer.AddCallback(_ => inner).AddCallback(x => result = x);
        outer.Callback(1);
        Assert.Equal(0, result);
        inner.Callback(99);
        Assert.Equal(99, result);
    }

    [Fact]
    public void Inner_failure_continues_the_outer_chain_as_failure()
    {
        var inner = new Deferred<int>();
        var outer = new Deferred<int>();
        Exception? error = null;
        outer.AddCallback(_ => inner).AddErrback(e => { error = e; return 0; });
        outer.Callback(1);
        inner.Errback(new FormatException("inner"));
        Assert.IsType<FormatException>(error);
    }

    [Fact]
    public void Callback_returning_a_fired_Deferred_takes_its_result_at_once()
    {
        var result = "";
        Deferred.Succeed(1).AddCallback(x => Deferred.Succeed($"v{x}")).AddCallback(s => result = s);
        Assert.Equal("v1", result);
    }

    [Fact]
    public void Type_changing_callback_returning_a_Deferred_waits_for_it()
    {
        var inner = new Deferred<string>();
        var outer = new Deferred<int>();
        string? result = null;
        outer.AddCallback(_ => inner).AddCallback(s => result = s);
        outer.Callback(1);
        inner.Callback("late");
        Assert.Equal("late", result);
    }

    [Fact]
    public void Errback_returning_a_Deferred_recovers_when_it_fires()
    {
        var inner = new Deferred<int>();
        var d = new Deferred<int>();
        var result = 0;
        d.AddErrback(_ => inner).AddCallback(x => result = x);
        d.Errback(new InvalidOperationException());
        inner.Callback(8);
        Assert.Equal(8, result);
    }

    [Fact]
    public void Callbacks_added_to_the_inner_Deferred_after_chaining_run_after_the_outer_resumes()
    {
        var log = new List<string>();
        var inner = new Deferred<int>();
        var outer = new Deferred<int>();
        outer.AddCallback(_ => inner).AddCallback(x => log.Add($"outer{x}"));
        outer.Callback(0);
        inner.AddCallback(x => log.Add($"inner{x}"));
        inner.Callback(1);
        Assert.Equal(["outer1", "inner1"], log);
    }

    [Fact]
    public void Callback_returning_its_own_Deferred_fails_the_chain()
    {
        var d = new Deferred<int>();
        Exception? error = null;
        d.AddCallback(_ => d).AddErrback(e => { error = e; return 0; });
        d.Callback(1);
        Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("itself", error!.Message);
    }

    [Fact]
    public void Hundred_thousand_callbacks_long_chain_runs_without_stack_overflow()
    {
        const int count = 100_000;
        var d = new Deferred<int>();
        for (var i = 0; i < count; i++)
        {
            d.AddCallback(x => x + 1);
        }

        var result = 0;
        d.AddCallback(x => result = x);
        d.Callback(0);
        Assert.Equal(count, result);
    }

    [Fact]
    public void Hundred_thousand_deep_nested_chain_runs_without_stack_overflow()
    {
        // Each Deferred's callback returns the next one, which has not fired: when the last fires,
        // every outer chain resumes, one after another, without recursion.
        const int depth = 100_000;
        var chain = new Deferred<int>[depth + 1];
        for (var i = 0; i <= depth; i++)
        {
            chain[i] = new Deferred<int>();
        }

        for (var i = 0; i < depth; i++)
        {
            var next = chain[i + 1];
            chain[i].AddCallback(_ => next).AddCallback(x => x + 1);
        }

        for (var i = 0; i < depth; i++)
        {
            chain[i].Callback(0);
        }

        var result = -1;
        chain[0].AddCallback(x => result = x);
        Assert.Equal(-1, result);
        chain[depth].Callback(0);
        Assert.Equal(depth, result);
    }

    [Fact]
    public void Hundred_thousand_deep_chain_built_innermost_last_runs_without_stack_overflow()
    {
        // Twisted's test_nestedAsynchronousChainedDeferreds at scale: outer waits on a Deferred whose callback waits on the next.
        const int depth = 100_000;
        var first = new Deferred<int>();
        var current = first;
        var last = new Deferred<int>();
        var inners = new List<Deferred<int>>(depth);
        for (var i = 0; i < depth; i++)
        {
            var inner = new Deferred<int>();
            inners.Add(inner);
            current.AddCallback(_ => inner);
            current = inner;
        }

        var result = 0;
        first.AddCallback(x => result = x);
        first.Callback(1);
        foreach (var inner in inners[..^1])
        {
            // Fire from the outside in: each one immediately pauses on the next.
            inner.Callback(1);
        }

        inners[^1].Callback(7);
        Assert.Equal(7, result);
    }

    [Fact]
    public void Cancel_calls_the_canceller()
    {
        Deferred<int>? seen = null;
        var d = new Deferred<int>(x => seen = x);
        d.AddErrback(_ => 0);
        d.Cancel();
        Assert.Same(d, seen);
    }

    [Fact]
    public void Cancel_errbacks_with_CancelledException_when_the_canceller_does_not_fire()
    {
        var d = new Deferred<int>(_ => { });
        Exception? error = null;
        d.AddErrback(e => { error = e; return 0; });
        d.Cancel();
        Assert.IsType<CancelledException>(error);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    [Fact]
    public void Cancel_keeps_the_result_the_canceller_fired_with()
    {
        var d = new Deferred<int>(x => x.Callback(77));
        var result = 0;
        d.AddCallback(x => result = x);
        d.Cancel();
        Assert.Equal(77, result);
    }

    [Fact]
    public void Cancel_of_a_fired_Deferred_does_nothing()
    {
        var cancellerRan = false;
        var d = new Deferred<int>(_ => cancellerRan = true);
        d.Callback(1);
        d.Cancel();
        var result = 0;
        d.AddCallback(x => result = x);
        Assert.False(cancellerRan);
        Assert.Equal(1, result);
    }

    [Fact]
    public void Cancel_without_canceller_eats_the_late_result_once()
    {
        var d = new Deferred<int>();
        d.AddErrback(_ => 0);
        d.Cancel();
        d.Callback(5);
        Assert.Throws<AlreadyCalledException>(() => d.Callback(6));
    }

    [Fact]
    public void Late_result_after_cancel_with_a_canceller_throws_AlreadyCalledException_mentioning_cancel()
    {
        var d = new Deferred<int>(_ => { });
        d.AddErrback(_ => 0);
        d.Cancel();
        var error = Assert.Throws<AlreadyCalledException>(() => d.Callback(5));
        Assert.Contains("cancelled", error.Message);
    }

    [Fact]
    public void Cancel_of_a_Deferred_waiting_on_an_inner_one_cancels_the_inner()
    {
        var innerCancelled = false;
        var inner = new Deferred<int>(_ => innerCancelled = true);
        var outer = new Deferred<int>();
        Exception? error = null;
        outer.AddCallback(_ => inner).AddErrback(e => { error = e; return 0; });
        outer.Callback(1);
        outer.Cancel();
        Assert.True(innerCancelled);
        Assert.IsType<CancelledException>(error);
    }

    [Fact]
    public void Timeout_cancels_and_fails_with_TimeoutException_naming_the_timeout()
    {
        var clock = new Clock();
        var cancelled = false;
        var d = new Deferred<int>(_ => cancelled = true);
        Exception? error = null;
        d.AddTimeout(TimeSpan.FromSeconds(5), clock).AddErrback(e => { error = e; return 0; });
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Null(error);
        clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(cancelled);
        var timeout = Assert.IsType<TimeoutException>(error);
        Assert.Contains("00:00:05", timeout.Message);
        Assert.IsType<CancelledException>(timeout.InnerException);
    }

    [Fact]
    public void Result_in_time_passes_the_timeout_and_cancels_the_timer()
    {
        var clock = new Clock();
        var d = new Deferred<int>();
        var result = 0;
        d.AddTimeout(TimeSpan.FromSeconds(5), clock).AddCallback(x => result = x);
        Assert.Single(clock.PendingCalls);
        clock.Advance(TimeSpan.FromSeconds(1));
        d.Callback(3);
        Assert.Equal(3, result);
        Assert.Empty(clock.PendingCalls);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(3, result);
    }

    [Fact]
    public void Failure_in_time_passes_the_timeout_unchanged()
    {
        var clock = new Clock();
        var d = new Deferred<int>();
        Exception? error = null;
        d.AddTimeout(TimeSpan.FromSeconds(5), clock).AddErrback(e => { error = e; return 0; });
        d.Errback(new FormatException("early"));
        Assert.IsType<FormatException>(error);
        Assert.Empty(clock.PendingCalls);
    }

    [Fact]
    public void Timeout_of_a_Deferred_waiting_on_an_inner_one_cancels_the_inner()
    {
        var clock = new Clock();
        var inner = new Deferred<int>();
        var outer = new Deferred<int>();
        Exception? error = null;
        outer.AddCallback(_ => inner);
        outer.AddTimeout(TimeSpan.FromSeconds(1), clock).AddErrback(e => { error = e; return 0; });
        outer.Callback(0);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(inner.Called);
        Assert.IsType<TimeoutException>(error);
    }

    [Fact]
    public void Timeout_on_a_Deferred_whose_canceller_fires_a_value_keeps_the_value()
    {
        var clock = new Clock();
        var d = new Deferred<int>(x => x.Callback(-1));
        var result = 0;
        d.AddTimeout(TimeSpan.FromSeconds(1), clock).AddCallback(x => result = x);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(-1, result);
    }

    [Fact]
    public void ChainDeferred_fires_the_other_with_this_result()
    {
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        var result = 0;
        b.AddCallback(x => result = x);
        a.ChainDeferred(b);
        a.Callback(12);
        Assert.Equal(12, result);
    }

    [Fact]
    public void Callback_added_from_inside_a_callback_runs_after_the_current_ones()
    {
        var log = new List<string>();
        var d = new Deferred<int>();
        d.AddCallback(x => { log.Add("first"); d.AddCallback(_ => log.Add("added")); });
        d.AddCallback(_ => log.Add("second"));
        d.Callback(0);
        Assert.Equal(["first", "second", "added"], log);
    }

    [Fact]
    public void Unit_values_are_all_equal()
    {
        Assert.Equal(Unit.Value, default);
        Assert.True(Unit.Value == new Unit());
        Assert.Equal("()", Unit.Value.ToString());
        Assert.True(Deferred.Succeed().Called);
    }

    [Fact]
    public void Errback_requires_an_exception()
    {
        Assert.Throws<ArgumentNullException>(() => new Deferred<int>().Errback(null!));
    }

    [Fact]
    public void ToString_describes_type_and_state()
    {
        var d = new Deferred<int>();
        Assert.Contains("Deferred<int>", d.ToString());
        d.Callback(3);
        Assert.Contains("result", d.ToString());
    }
}
