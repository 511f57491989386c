using Microsoft.Extensions.Logging;
using Torsion.Application;
using Torsion.Application.Plugins;
using Torsion.Cred;

namespace Torsion.Protocols.Socks;

/// <summary>
/// <c>torsion socks [--listen tcp:1080] [--password-file FILE] [--allow-dest CIDR[:PORTS]]... [--deny-dest CIDR[:PORTS]]...</c>:
/// a SOCKS4/4a/5 proxy. It listens on 127.0.0.1:1080 unless told otherwise, so it is no open proxy by default.
/// </summary>
public sealed class SocksPlugin : ITorsionPlugin
{
    /// <inheritdoc />
    public string Name => "socks";

    /// <inheritdoc />
    public string Description => "A SOCKS4, SOCKS4a and SOCKS5 proxy (CONNECT, BIND, UDP ASSOCIATE); loopback only unless --listen says otherwise.";

    /// <inheritdoc />
    public string? DefaultEndpoint => "tcp:1080:interface=127.0.0.1";

    /// <inheritdoc />
    public IReadOnlyList<PluginOption> Options { get; } =
    [
        new PluginOption("password-file", "Require SOCKS5 username/password (RFC 1929) with users from this `torsion passwd` file; SOCKS4 is then refused.", "FILE"),
        PluginOption.Repeatable("allow-dest", "Allow only destinations in this range, e.g. 10.0.0.0/8:80,443 or ::1/128 (any entry matching allows).", "CIDR[:PORTS]"),
        PluginOption.Repeatable("deny-dest", "Refuse destinations in this range, e.g. 169.254.0.0/16 or 127.0.0.1:22 (checked before --allow-dest).", "CIDR[:PORTS]"),
    ];

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ICredentialsChecker? checker = null;
        if (context.Options.GetExistingFile("password-file") is { } path)
        {
            try
            {
                checker = new PasswordFileChecker(path);
            }
            catch (Exception e) when (e is CredentialFileFormatException or IOException or UnauthorizedAccessException)
            {
                throw new PluginOptionException($"--password-file: {e.Message}");
            }
        }

        var access = new SocksAccessList();
        try
        {
            foreach (var entry in context.Options.GetStrings("allow-dest"))
            {
                access.Allow(entry);
            }

            foreach (var entry in context.Options.GetStrings("deny-dest"))
            {
                access.Deny(entry);
            }
        }
        catch (FormatException e)
        {
            throw new PluginOptionException($"--allow-dest/--deny-dest: {e.Message}");
        }

        var factory = new SocksServerFactory(
            context.Reactor,
            checker,
            accessRule: access.AllowCount + access.DenyCount > 0 ? access : null,
            logger: context.LoggerFactory.CreateLogger<SocksServerFactory>());
        var root = new MultiService { Name = Name };
        context.ListenStream(factory).SetServiceParent(root);
        return root;
    }
}
