namespace Torsion.Web.Http2;

/// <summary>The SETTINGS parameters of RFC 9113 section 6.5.2.</summary>
public enum Http2SettingId : ushort
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE.</summary>
    HeaderTableSize = 0x1,

    /// <summary>SETTINGS_ENABLE_PUSH.</summary>
    EnablePush = 0x2,

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS.</summary>
    MaxConcurrentStreams = 0x3,

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE.</summary>
    InitialWindowSize = 0x4,

    /// <summary>SETTINGS_MAX_FRAME_SIZE.</summary>
    MaxFrameSize = 0x5,

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE.</summary>
    MaxHeaderListSize = 0x6,
}
