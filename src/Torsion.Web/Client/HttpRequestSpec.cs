namespace Torsion.Web.Client;

/// <summary>One request as the connection writes it.</summary>
internal sealed record HttpRequestSpec(string Method, Uri Uri, string Target, Headers Headers, IBodyProducer? Body);
