using System.Runtime.CompilerServices;

namespace Torsion.Defer;

/// <summary>
/// Runs one <see cref="Step"/> against a chain. Typed work lives in <see cref="StepInvoker{TIn, TOut}"/>
/// singletons so the chain itself stays untyped and a step costs no closure.
/// </summary>
internal abstract class StepInvoker
{
    /// <summary>The invoker for steps that never look at the value (awaiters, state machines, hooks).</summary>
    public static readonly StepInvoker Untyped = new UntypedInvoker();

    /// <summary>Runs <paramref name="step"/>; returns a Deferred whose callbacks must run next (a resumed outer chain), or null.</summary>
    public abstract Deferred? Invoke(Deferred chain, ref Step step);

    private protected static Deferred? RunUntyped(Deferred chain, StepKind kind, object? callback, object? context)
    {
        switch (kind)
        {
            case StepKind.AwaitAction:
                {
                    var action = Unsafe.As<Action>(callback!);
                    var captured = Unsafe.As<SynchronizationContext?>(context);
                    if (captured is not null && captured != SynchronizationContext.Current)
                    {
                        captured.Post(static s => ((Action)s!)(), action);
                    }
                    else
                    {
                        action();
                    }

                    return null;
                }

            case StepKind.Resume:
                {
                    var box = Unsafe.As<IResumable>(callback!);
                    var captured = Unsafe.As<SynchronizationContext?>(context);
                    if (captured is not null && captured != SynchronizationContext.Current)
                    {
                        captured.Post(static s => ((IResumable)s!).Resume()?.RunCallbacks(), box);
                        return null;
                    }

                    return box.Resume();
                }

            case StepKind.Hook:
                Unsafe.As<IStepHook>(callback!).Run(chain);
                return null;

            default:
                return null;
        }
    }

    private sealed class UntypedInvoker : StepInvoker
    {
        // Untyped steps keep their target in Callback and the captured context in Errback on both paths.
        public override Deferred? Invoke(Deferred chain, ref Step step) =>
            RunUntyped(chain, step.CallbackKind, step.Callback, step.Errback);
    }
}

/// <summary>Runs steps whose callbacks take a <typeparamref name="TIn"/> and produce a <typeparamref name="TOut"/>.</summary>
internal sealed class StepInvoker<TIn, TOut> : StepInvoker
{
    public static readonly StepInvoker<TIn, TOut> Instance = new();

    public override Deferred? Invoke(Deferred chain, ref Step step)
    {
        if (!chain.IsFailed)
        {
            var callback = step.Callback;
            switch (step.CallbackKind)
            {
                case StepKind.None:
                    return null;
                case StepKind.Func:
                    SetValue(chain, step.Output!, Unsafe.As<Func<TIn, TOut>>(callback!)(Read(chain)));
                    return null;
                case StepKind.Action:
                    Unsafe.As<Action<TIn>>(callback!)(Read(chain));
                    return null;
                case StepKind.FuncDeferred:
                    return WaitOn(chain, Unsafe.As<Func<TIn, Deferred<TOut>>>(callback!)(Read(chain)), step.Output!);
                case StepKind.BothFunc:
                    SetValue(chain, step.Output!, Unsafe.As<Func<DeferredResult<TIn>, TOut>>(callback!)(new DeferredResult<TIn>(true, Read(chain), null)));
                    return null;
                case StepKind.BothFuncDeferred:
                    return WaitOn(chain, Unsafe.As<Func<DeferredResult<TIn>, Deferred<TOut>>>(callback!)(new DeferredResult<TIn>(true, Read(chain), null)), step.Output!);
                case StepKind.BothAction:
                    Unsafe.As<Action<DeferredResult<TIn>>>(callback!)(new DeferredResult<TIn>(true, Read(chain), null));
                    return null;
                case StepKind.Continue:
                    return Continue(chain, step.Output!);
                case StepKind.TaskSource:
                    Unsafe.As<TaskCompletionSource<TIn>>(callback!).TrySetResult(Read(chain));
                    return null;
                default:
                    return RunUntyped(chain, step.CallbackKind, callback, step.Errback);
            }
        }

        var errback = step.Errback;
        switch (step.ErrbackKind)
        {
            case StepKind.None:
                return null;
            case StepKind.ErrFunc:
                SetValue(chain, step.Output!, Unsafe.As<Func<Exception, TOut>>(errback!)(chain.Error));
                return null;
            case StepKind.ErrFuncDeferred:
                return WaitOn(chain, Unsafe.As<Func<Exception, Deferred<TOut>>>(errback!)(chain.Error), step.Output!);
            case StepKind.ErrFilter:
                if (Unsafe.As<ErrbackFilter<TOut>>(errback!).TryHandle(chain.Error, out var handled))
                {
                    SetValue(chain, step.Output!, handled);
                }

                return null;
            case StepKind.BothFunc:
                SetValue(chain, step.Output!, Unsafe.As<Func<DeferredResult<TIn>, TOut>>(errback!)(new DeferredResult<TIn>(false, default!, chain.Error)));
                return null;
            case StepKind.BothFuncDeferred:
                return WaitOn(chain, Unsafe.As<Func<DeferredResult<TIn>, Deferred<TOut>>>(errback!)(new DeferredResult<TIn>(false, default!, chain.Error)), step.Output!);
            case StepKind.BothAction:
                Unsafe.As<Action<DeferredResult<TIn>>>(errback!)(new DeferredResult<TIn>(false, default!, chain.Error));
                return null;
            case StepKind.Continue:
                return Continue(chain, step.Output!);
            case StepKind.TaskSource:
                chain.MarkConsumed();
                Unsafe.As<TaskCompletionSource<TIn>>(errback!).TrySetException(chain.Error);
                return null;
            default:
                return RunUntyped(chain, step.ErrbackKind, step.Callback, errback);
        }
    }

    /// <summary>The chain's current value; the view discipline guarantees its holder is a <c>Deferred&lt;TIn&gt;</c>.</summary>
    private static TIn Read(Deferred chain) => Unsafe.As<Deferred<TIn>>(chain.ResultObject!).Value;

    private static void SetValue(Deferred chain, Deferred output, TOut value)
    {
        Unsafe.As<Deferred<TOut>>(output).Value = value;
        chain.SetHolder(output);
    }

    /// <summary>A callback returned <paramref name="inner"/>: take its result now if it has one, else pause until it fires.</summary>
    private static Deferred? WaitOn(Deferred chain, Deferred<TOut>? inner, Deferred output)
    {
        if (inner is null)
        {
            throw new InvalidOperationException($"A callback returned a null Deferred<{typeof(TOut).Name}>; return a Deferred or a value.");
        }

        var innerChain = inner.Chain;
        if (innerChain == chain)
        {
            throw new InvalidOperationException("A callback returned the Deferred it was added to; a Deferred cannot wait on itself.");
        }

        if (innerChain.IsFinal)
        {
            if (innerChain.IsFailed)
            {
                innerChain.MarkConsumed();
                chain.SetFailure(innerChain.Error);
            }
            else
            {
                SetValue(chain, output, inner.ReadFinalValue());
            }

            return null;
        }

        inner.EnsureCurrentView();
        chain.BeginWaiting(innerChain);
        innerChain.Enqueue(new Step
        {
            Invoker = StepInvoker<TOut, TOut>.Instance,
            CallbackKind = StepKind.Continue,
            ErrbackKind = StepKind.Continue,
            Output = output,
        });
        return null;
    }

    /// <summary>This (inner) chain fired: hand its result to the outer chain that waits on it and resume that one.</summary>
    private static Deferred Continue(Deferred chain, Deferred output)
    {
        var outer = output.Chain;
        if (chain.IsFailed)
        {
            chain.MarkConsumed();
            outer.SetFailure(chain.Error);
        }
        else
        {
            var value = Read(chain);
            Unsafe.As<Deferred<TOut>>(output).Value = Unsafe.As<TIn, TOut>(ref value);
            outer.SetHolder(output);
        }

        outer.EndWaiting();
        return outer;
    }
}
