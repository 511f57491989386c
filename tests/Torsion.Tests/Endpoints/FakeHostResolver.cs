using System.Net;
using Torsion.Defer;
using Torsion.Endpoints;

namespace Torsion.Tests.Endpoints;

/// <summary>Answers from a table, at once, or holds the answer until the test releases it.</summary>
public sealed class FakeHostResolver(params string[] addresses) : IHostResolver
{
    public bool Hold { get; init; }

    public List<string> Asked { get; } = [];

    public Deferred<IReadOnlyList<IPAddress>>? Pending { get; private set; }

    public Deferred<IReadOnlyList<IPAddress>> ResolveHostName(string hostName)
    {
        Asked.Add(hostName);
        var result = new Deferred<IReadOnlyList<IPAddress>>();
        if (Hold)
        {
            Pending = result;
        }
        else
        {
            result.Callback(addresses.Select(IPAddress.Parse).ToArray());
        }

        return result;
    }
}
