using System.Text;
using Torsion.Cred;

namespace Torsion.Web.Server;

/// <summary>
/// Guards a resource tree with HTTP Basic (RFC 7617) or Digest (RFC 7616, through a <see cref="DigestCredentialFactory"/>)
/// authentication through a cred <see cref="Portal"/> (twisted.web.guard.HTTPAuthSessionWrapper): the realm is asked for a
/// <see cref="Resource"/> avatar, which renders the rest of the path; the avatar's logout runs when the request ends.
/// Use Basic over TLS only: it sends the password in clear.
/// </summary>
public sealed class HttpAuthResource : Resource
{
    private readonly Portal _portal;
    private readonly DigestCredentialFactory? _digest;
    private readonly bool _basic = true;

    /// <summary>Asks <paramref name="portal"/> to check Basic credentials; <paramref name="realm"/> is shown by browsers.</summary>
    public HttpAuthResource(Portal portal, string realm)
    {
        _portal = portal ?? throw new ArgumentNullException(nameof(portal));
        Realm = realm ?? throw new ArgumentNullException(nameof(realm));
        if (realm.Contains('"', StringComparison.Ordinal) || realm.Contains('\\', StringComparison.Ordinal))
        {
            throw new ArgumentException("The realm must not contain quotes or backslashes.", nameof(realm));
        }
    }

    /// <summary>
    /// Asks <paramref name="portal"/> to check Digest credentials made by <paramref name="digest"/> (its checker must hold
    /// plaintext-equivalent secrets); with <paramref name="allowBasic"/> Basic is offered too, after Digest.
    /// </summary>
    public HttpAuthResource(Portal portal, DigestCredentialFactory digest, bool allowBasic = false)
    {
        _portal = portal ?? throw new ArgumentNullException(nameof(portal));
        _digest = digest ?? throw new ArgumentNullException(nameof(digest));
        _basic = allowBasic;
        Realm = digest.Realm;
    }

    /// <summary>The protection space named in WWW-Authenticate.</summary>
    public string Realm { get; }

    /// <inheritdoc/>
    public override bool IsLeaf => true;

    /// <inheritdoc/>
    public override RenderResult Render(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = request.GetHeader("Authorization");
        ICredentials? credentials = null;
        var stale = false;
        if (_digest is not null && authorization is not null && authorization.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase))
        {
            credentials = _digest.Decode(authorization, request.Method, request.Uri, out stale);
        }
        else if (_basic)
        {
            credentials = ParseBasic(authorization);
        }

        if (credentials is null)
        {
            return Unauthorized(request, stale);
        }

        _portal.Login(credentials, null, typeof(Resource)).AddBoth(result =>
        {
            if (!result.Success)
            {
                if (result.Error is UnauthorizedLoginException)
                {
                    request.Complete(Unauthorized(request));
                }
                else
                {
                    request.ProcessingFailed(result.Error!);
                }

                return;
            }

            var login = result.Value!;
            request.NotifyFinish().AddBoth(_ => login.Logout());
            RenderResult rendered;
            try
            {
                rendered = request.RenderFrom(login.AvatarAs<Resource>());
            }
            catch (Exception e)
            {
                request.ProcessingFailed(e);
                return;
            }

            request.Complete(rendered);
        });
        return NotDoneYet;
    }

    private RenderResult Unauthorized(Request request, bool stale = false)
    {
        request.SetResponseCode(401);
        foreach (var challenge in _digest?.GetChallenges(stale) ?? [])
        {
            request.AddHeader("WWW-Authenticate", challenge);
        }

        if (_basic)
        {
            request.AddHeader("WWW-Authenticate", $"Basic realm=\"{Realm}\", charset=\"UTF-8\"");
        }

        request.SetHeader("Content-Type", "text/html; charset=utf-8");
        return ErrorPage.Html(401, "Unauthorized", "This resource requires a user name and password.");
    }

    /// <summary>The credentials of an <c>Authorization: Basic</c> header, or null when there is none or it is malformed.</summary>
    internal static UsernamePassword? ParseBasic(string? header)
    {
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : new UsernamePassword(decoded[..colon], decoded[(colon + 1)..]);
    }
}
